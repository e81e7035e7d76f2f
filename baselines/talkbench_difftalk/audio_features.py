"""DiffTalk's audio input: per video frame, 8 consecutive DeepSpeech windows of 16×29.

DiffTalk (after AD-NeRF) runs DeepSpeech 0.1 at 50 feature frames/s and keeps, for each video
frame, 16 rows of its 29 character logits; AudioAttNet then smooths over 8 neighbouring video
frames. DeepSpeech cannot run offline here, so two sources are supported:

* ``deepspeech``: precomputed features next to the clip, ``<video>.ds.npy`` (or
  ``<video>.<ext>.ds.npy``), shape (T, 16, 29), one window per video frame (AD-NeRF's
  ``aud_ds.npy`` layout). A file with the wrong shape is an error naming it.
* ``stand-in``: 29 log-mel filterbank energies at 50 frames/s (40 ms window, 20 ms hop), each
  band standardised over the clip, cut into the same 16-row windows centred on each video
  frame. It has DeepSpeech's shape and rate, not its meaning: a model must be trained with
  the same features it is sampled with (the run record stores ``audio_features``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

FEATURE_RATE = 50          # DeepSpeech frames per second
WINDOW = 16                # rows per video frame
DIM = 29                   # DeepSpeech's alphabet size
SMOOTH = 8                 # video frames AudioAttNet attends over
SOURCES = ("stand-in", "deepspeech")


def deepspeech_path(video: Path) -> Path | None:
    for cand in (video.with_suffix(".ds.npy"), video.with_name(video.name + ".ds.npy")):
        if cand.is_file():
            return cand
    return None


def load_deepspeech(video: Path | None, n_frames: int) -> np.ndarray:
    """(T, 16, 29) precomputed DeepSpeech windows for ``video``; errors say where to put them."""
    path = deepspeech_path(Path(video)) if video is not None else None
    if path is None:
        where = f"{Path(video).with_suffix('.ds.npy')}" if video is not None else "<video>.ds.npy"
        raise FileNotFoundError(f"audio_features=deepspeech: no {where}; compute DeepSpeech windows "
                                "(T×16×29, AD-NeRF layout) there or use --option audio_features=stand-in")
    feats = np.load(path).astype(np.float32)
    if feats.ndim != 3 or feats.shape[1:] != (WINDOW, DIM):
        raise ValueError(f"{path}: DeepSpeech features must be T×{WINDOW}×{DIM}, got {feats.shape}")
    return fit_length(feats, n_frames)


def fit_length(feats: np.ndarray, n_frames: int) -> np.ndarray:
    """Trim, or repeat the last window, so there is one window per video frame."""
    if len(feats) >= n_frames:
        return feats[:n_frames]
    pad = np.repeat(feats[-1:], n_frames - len(feats), axis=0)
    return np.concatenate([feats, pad], axis=0)


def standin_windows(audio: np.ndarray, n_frames: int, fps: float = 25.0, sample_rate: int = 16000) -> np.ndarray:
    """(T, 16, 29) log-mel windows with DeepSpeech's rate and shape (see module doc)."""
    from python_speech_features import logfbank

    audio = np.asarray(audio, dtype=np.float64).reshape(-1)
    need = int(np.ceil((n_frames / fps + 0.5) * sample_rate))
    if len(audio) < need:  # pad silence so every window has samples
        audio = np.pad(audio, (0, need - len(audio)))
    feats = logfbank(audio, samplerate=sample_rate, winlen=0.04, winstep=1.0 / FEATURE_RATE,
                     nfilt=DIM, nfft=1024, lowfreq=0, highfreq=sample_rate // 2).astype(np.float32)
    feats = (feats - feats.mean(0)) / (feats.std(0) + 1e-5)
    centres = np.round(np.arange(n_frames) * FEATURE_RATE / fps).astype(int)
    idx = np.clip(centres[:, None] + np.arange(-WINDOW // 2, WINDOW // 2)[None, :], 0, len(feats) - 1)
    return feats[idx]


def smooth_windows(windows: np.ndarray, smooth: int = SMOOTH) -> np.ndarray:
    """(T, 16, 29) -> (T, 8, 16, 29): video frames i-4 … i+3, edges repeated (AD-NeRF)."""
    t = len(windows)
    idx = np.clip(np.arange(t)[:, None] + np.arange(-smooth // 2, smooth - smooth // 2)[None, :], 0, t - 1)
    return windows[idx]


def clip_windows(clip, audio: np.ndarray, n_frames: int, source: str) -> np.ndarray:
    """The (T, 8, 16, 29) conditioning input of ``clip`` from the chosen feature ``source``."""
    if source == "deepspeech":
        feats = clip.meta.get("deepspeech")
        feats = fit_length(np.asarray(feats, np.float32), n_frames) if feats is not None \
            else load_deepspeech(clip.path, n_frames)
    elif source == "stand-in":
        feats = standin_windows(audio, n_frames, clip.fps, clip.sample_rate)
    else:
        raise ValueError(f"audio_features={source!r}: use one of {', '.join(SOURCES)}")
    return smooth_windows(feats)
