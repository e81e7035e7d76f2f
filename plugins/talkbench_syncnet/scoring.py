"""The LSE computation of syncnet_python / Wav2Lip's scores_LSE, vectorised.

Steps (each matches the reference; see ../shared/calibration/PROTOCOL.md):
- MFCC from python_speech_features with its defaults, on audio at int16 scale (not [-1, 1]);
- windows: min_length = min(frames, floor(samples / 640)); the reference makes
  ``min_length - 5`` windows (it drops the last possible one), video window i = frames i..i+4,
  audio window i = MFCC columns 4i..4i+19;
- distances: audio embeddings zero-padded by ``vshift`` rows at both ends, for each video window
  the ``2·vshift+1`` rows i..i+2·vshift, ``pairwise_distance`` (which adds eps=1e-6 to the
  difference); mdist = mean over windows; LSE-D = min, LSE-C = median − min,
  offset = vshift − argmin.

Speed: the lip tower has a temporal kernel only in its first conv (5 frames, no temporal
padding), so one pass over a run of frames yields the embedding of every window in it: no
5× copy of the frames. The audio tower pads in time, so its windows are cut explicitly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from talkbench import ClipFailure

from talkbench_syncnet.model import FRAMES_PER_WINDOW, MFCC_WINDOW, SyncNet

SAMPLES_PER_FRAME = 640  # 16 kHz / 25 fps
MFCC_PER_FRAME = 4       # 100 Hz MFCC / 25 fps
PAIRWISE_EPS = 1e-6      # torch.nn.functional.pairwise_distance's default


def to_int16_scale(audio: np.ndarray) -> np.ndarray:
    """float [-1, 1] → int16 as FFmpeg's s16 conversion does (round to nearest, clip)."""
    x = np.rint(np.asarray(audio, dtype=np.float32) * np.float32(32768.0))
    return np.clip(x, -32768, 32767).astype(np.int16)


def mfcc_int16(audio: np.ndarray, sample_rate: int = 16000) -> np.ndarray:
    """(N, 13) float64 MFCC of int16-scale audio, python_speech_features defaults."""
    import python_speech_features

    samples = to_int16_scale(audio)
    return python_speech_features.mfcc(samples, sample_rate)


def window_count(num_frames: int, num_samples: int) -> tuple[int, int]:
    """(min_length, number of windows) exactly as the reference counts them."""
    min_length = min(int(num_frames), int(num_samples) // SAMPLES_PER_FRAME)
    return min_length, min_length - FRAMES_PER_WINDOW


@dataclass
class SyncResult:
    """Per-clip outcome; ``mdist`` has 2·vshift+1 entries, index vshift = aligned."""

    offset: int
    lse_c: float
    lse_d: float
    mdist: list[float]
    n_windows: int
    min_length: int
    extras: dict[str, Any] = field(default_factory=dict)
    #: embeddings, distances and MFCC when asked for (``keep=True``); never in the record
    arrays: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        return {"offset": self.offset, "lse_c": self.lse_c, "lse_d": self.lse_d,
                "mdist": self.mdist, "n_windows": self.n_windows, "min_length": self.min_length,
                **self.extras}


@torch.no_grad()
def lip_embeddings(net: SyncNet, frames_bgr: np.ndarray, n_windows: int, batch_size: int = 20,
                   device: str = "cpu") -> torch.Tensor:
    """(n_windows, D) float32 embeddings of T×H×W×3 uint8 BGR frames (raw 0–255 values)."""
    out = []
    for start in range(0, n_windows, batch_size):
        stop = min(n_windows, start + batch_size)
        # windows start..stop-1 need frames start .. stop-1+4
        chunk = frames_bgr[start: stop - 1 + FRAMES_PER_WINDOW]
        x = torch.from_numpy(np.ascontiguousarray(chunk)).to(device)
        x = x.permute(3, 0, 1, 2).unsqueeze(0).float()  # (1, 3, T, H, W)
        mid = net.netcnnlip(x)                           # (1, C, stop-start, 1, 1)
        mid = mid[0].permute(1, 0, 2, 3).reshape(stop - start, -1)
        out.append(net.netfclip(mid).float().cpu())
    return torch.cat(out, 0)


@torch.no_grad()
def audio_embeddings(net: SyncNet, mfcc: np.ndarray, n_windows: int, batch_size: int = 20,
                     device: str = "cpu") -> torch.Tensor:
    """(n_windows, D) embeddings of MFCC windows 4i..4i+19 ((N, 13) MFCC as from mfcc_int16)."""
    cc = torch.from_numpy(np.ascontiguousarray(mfcc.T)).float()  # (13, N), float64 → float32
    starts = torch.arange(n_windows) * MFCC_PER_FRAME
    idx = starts[:, None] + torch.arange(MFCC_WINDOW)[None, :]
    out = []
    for s in range(0, n_windows, batch_size):
        win = cc[:, idx[s: s + batch_size]].permute(1, 0, 2).unsqueeze(1)  # (B, 1, 13, 20)
        out.append(net.forward_aud(win.to(device)).float().cpu())
    return torch.cat(out, 0)


def offset_distances(im: torch.Tensor, aud: torch.Tensor, vshift: int = 15,
                     chunk: int = 512) -> torch.Tensor:
    """(N, 2·vshift+1) distances: row i, column j = ‖im_i − audpad_{i+j} + eps‖₂.

    Same arithmetic as calc_pdist (zero padding, pairwise_distance's eps), in one gather per
    chunk of windows instead of a Python loop.
    """
    n, d = im.shape
    width = 2 * vshift + 1
    padded = torch.cat([aud.new_zeros(vshift, d), aud, aud.new_zeros(vshift, d)], 0)
    cols = torch.arange(width)
    rows = []
    for s in range(0, n, chunk):
        idx = torch.arange(s, min(n, s + chunk))[:, None] + cols[None, :]
        diff = im[s: s + chunk, None, :] - padded[idx] + PAIRWISE_EPS
        rows.append(torch.linalg.vector_norm(diff, ord=2, dim=-1))
    return torch.cat(rows, 0)


def summarise(dists: torch.Tensor, vshift: int) -> tuple[int, float, float, torch.Tensor]:
    """(offset, LSE-C, LSE-D, mdist) from the distance matrix, as the reference reduces it."""
    mdist = dists.mean(0)
    minval, minidx = torch.min(mdist, 0)
    conf = torch.median(mdist) - minval
    return int(vshift - minidx.item()), float(conf.item()), float(minval.item()), mdist


def score_arrays(net: SyncNet, frames_bgr: np.ndarray, audio: np.ndarray, *, sample_rate: int = 16000,
                 vshift: int = 15, batch_size: int = 20, device: str = "cpu",
                 keep: bool = False, min_windows: int = 1) -> SyncResult:
    """LSE for prepared frames (T×S×S×3 uint8 BGR at the net's input size) and 16 kHz audio.

    ``keep=True`` keeps the embeddings, distances and MFCC in ``result.arrays`` (tests and
    calibration use them; they are not JSON). Fewer than ``min_windows`` windows is a
    ClipFailure saying how long the video and the audio are.
    """
    if sample_rate != 16000:
        raise ClipFailure(f"SyncNet needs 16 kHz audio, got {sample_rate} Hz (load clips with talkbench.load_clip)")
    min_length, n_windows = window_count(len(frames_bgr), len(audio))
    if n_windows < 1:
        raise ClipFailure(
            f"clip too short for SyncNet: {len(frames_bgr)} frames and {len(audio)} audio samples "
            f"give {max(n_windows, 0)} windows; LSE needs at least {FRAMES_PER_WINDOW + 1} frames (0.24 s) of video and audio"
        )
    if n_windows < min_windows:
        raise ClipFailure(
            f"too few SyncNet windows: {len(frames_bgr) / 25:.2f} s of video and {len(audio) / sample_rate:.2f} s "
            f"of audio give {n_windows} windows, LSE needs {min_windows} (2·vshift+1, so that each offset "
            "searched is mostly real audio); give audio as long as the video, or set min_windows=1 for the "
            "reference's number"
        )
    mfcc = mfcc_int16(audio, sample_rate)
    im = lip_embeddings(net, frames_bgr, n_windows, batch_size, device)
    aud = audio_embeddings(net, mfcc, n_windows, batch_size, device)
    dists = offset_distances(im, aud, vshift)
    offset, conf, minval, mdist = summarise(dists, vshift)
    res = SyncResult(offset=offset, lse_c=conf, lse_d=minval, mdist=[float(v) for v in mdist],
                     n_windows=n_windows, min_length=min_length)
    res.extras["silent_audio"] = bool(np.max(np.abs(audio)) * 32768 < 1) if len(audio) else True
    if keep:
        res.arrays = {"window0": frames_bgr[:FRAMES_PER_WINDOW].copy(), "im": im, "aud": aud, "dists": dists, "mfcc": mfcc, "mdist": mdist}
    return res
