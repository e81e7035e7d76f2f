"""Wav2Lip's audio front-end (audio.py + hparams.py of Rudrabha/Wav2Lip) in numpy/scipy.

No librosa: Wav2Lip pins librosa 0.7.0, whose STFT pads with ``reflect`` (0.9+ pads with zeros)
and whose ``filters.mel`` positional call fails on 0.10+. Writing the Slaney filter bank and the
reflect-padded STFT here keeps the numbers of the pinned version on any library version.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

SAMPLE_RATE = 16000
N_FFT = 800
HOP = 200
WIN = 800
NUM_MELS = 80
FMIN = 55.0
FMAX = 7600.0
PREEMPHASIS = 0.97
MIN_LEVEL_DB = -100.0
REF_LEVEL_DB = 20.0
MAX_ABS = 4.0
#: mel columns per window fed to the audio encoder (0.2 s)
MEL_STEP = 16
#: mel columns per second (SAMPLE_RATE / HOP)
MEL_PER_SECOND = SAMPLE_RATE / HOP


def _hz_to_mel_slaney(hz: np.ndarray) -> np.ndarray:
    """Slaney's Auditory Toolbox scale: linear below 1 kHz, logarithmic above (librosa htk=False)."""
    hz = np.asarray(hz, dtype=np.float64)
    f_sp = 200.0 / 3
    mel = hz / f_sp
    min_log_hz, min_log_mel, logstep = 1000.0, 1000.0 / f_sp, np.log(6.4) / 27.0
    log_part = hz >= min_log_hz
    mel = np.where(log_part, min_log_mel + np.log(np.maximum(hz, 1e-10) / min_log_hz) / logstep, mel)
    return mel


def _mel_to_hz_slaney(mel: np.ndarray) -> np.ndarray:
    mel = np.asarray(mel, dtype=np.float64)
    f_sp = 200.0 / 3
    min_log_hz, min_log_mel, logstep = 1000.0, 1000.0 / f_sp, np.log(6.4) / 27.0
    return np.where(mel >= min_log_mel, min_log_hz * np.exp(logstep * (mel - min_log_mel)), f_sp * mel)


@lru_cache(maxsize=8)
def mel_filterbank(
    sr: int = SAMPLE_RATE, n_fft: int = N_FFT, n_mels: int = NUM_MELS,
    fmin: float = FMIN, fmax: float = FMAX,
) -> np.ndarray:
    """(n_mels, 1 + n_fft//2) triangular filters, area-normalised ("slaney"), as librosa's defaults."""
    fft_freqs = np.linspace(0.0, sr / 2.0, 1 + n_fft // 2)
    edges = _mel_to_hz_slaney(np.linspace(_hz_to_mel_slaney(fmin), _hz_to_mel_slaney(fmax), n_mels + 2))
    widths = np.diff(edges)
    ramps = edges[:, None] - fft_freqs[None, :]
    rising = -ramps[:-2] / widths[:-1, None]
    falling = ramps[2:] / widths[1:, None]
    weights = np.maximum(0.0, np.minimum(rising, falling))
    weights *= (2.0 / (edges[2:] - edges[:-2]))[:, None]  # equal area per filter
    weights.setflags(write=False)
    return weights


def periodic_hann(n: int) -> np.ndarray:
    """scipy.signal.get_window('hann', n, fftbins=True): the DFT-even window librosa uses."""
    return 0.5 - 0.5 * np.cos(2.0 * np.pi * np.arange(n) / n)


def stft_magnitude(y: np.ndarray, n_fft: int = N_FFT, hop: int = HOP) -> np.ndarray:
    """|STFT| (1 + n_fft//2, 1 + len//hop), centred frames with reflect padding (librosa < 0.9)."""
    y = np.asarray(y, dtype=np.float64)
    pad = n_fft // 2
    if len(y) <= pad:
        # numpy's reflect needs more samples than the pad; such a clip is too short to lip-sync
        raise ValueError(f"audio of {len(y)} samples is shorter than one STFT window ({n_fft})")
    y = np.pad(y, pad, mode="reflect")
    n_frames = 1 + (len(y) - n_fft) // hop
    frames = np.lib.stride_tricks.as_strided(
        y, shape=(n_frames, n_fft), strides=(y.strides[0] * hop, y.strides[0]), writeable=False
    )
    return np.abs(np.fft.rfft(frames * periodic_hann(n_fft)[None, :], axis=1)).T


def melspectrogram(wav: np.ndarray) -> np.ndarray:
    """(80, 1 + len//200) float32 normalised log-mel in [-4, 4], as Wav2Lip's ``audio.melspectrogram``."""
    from scipy.signal import lfilter  # here, not at module top: importing the generator stays cheap

    emphasised = lfilter([1.0, -PREEMPHASIS], [1.0], np.asarray(wav, dtype=np.float64))
    mel = mel_filterbank() @ stft_magnitude(emphasised)
    min_level = 10.0 ** (MIN_LEVEL_DB / 20.0)  # 1e-5
    db = 20.0 * np.log10(np.maximum(min_level, mel)) - REF_LEVEL_DB
    norm = 2 * MAX_ABS * ((db - MIN_LEVEL_DB) / -MIN_LEVEL_DB) - MAX_ABS
    return np.clip(norm, -MAX_ABS, MAX_ABS).astype(np.float32)


def window_starts(num_frames: int, num_mel_cols: int, fps: float = 25.0) -> np.ndarray:
    """First mel column of each video frame's window: int(i·80/fps), the last ones clamped to the end.

    The official inference script takes the final 16 columns once ``start + 16`` runs past the
    mel, and stops; clamping reproduces that for every later frame too.
    """
    starts = np.array([int(i * (MEL_PER_SECOND / fps)) for i in range(num_frames)], dtype=np.int64)
    return np.minimum(starts, max(0, num_mel_cols - MEL_STEP))


def mel_windows(mel: np.ndarray, num_frames: int, fps: float = 25.0) -> np.ndarray:
    """(num_frames, 1, 80, 16) float32 windows; a mel shorter than 16 columns is padded with silence."""
    if mel.shape[1] < MEL_STEP:
        mel = np.pad(mel, ((0, 0), (0, MEL_STEP - mel.shape[1])), constant_values=-MAX_ABS)
    starts = window_starts(num_frames, mel.shape[1], fps)
    return np.stack([mel[:, s : s + MEL_STEP] for s in starts])[:, None].astype(np.float32)
