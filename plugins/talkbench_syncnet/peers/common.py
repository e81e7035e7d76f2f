"""Steps the peer protocols share: a crop file scored as its SyncNetInstance copy does, the
track record, the track crop geometry (wild's functions), the track audio cut."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import cv2
import numpy as np
from scipy.io import wavfile

from talkbench import ClipFailure

from talkbench_syncnet.scoring import score_arrays
from talkbench_syncnet.wild.convert import ffmpeg, read_jpgs
from talkbench_syncnet.wild.crops import crop_frames, crop_geometry, cut_boxes
from talkbench_syncnet.wild.tracks import Track

VSHIFT, BATCH = 15, 20


def read_wav_int16(path: Path) -> np.ndarray:
    rate, audio = wavfile.read(path)
    if rate != 16000 or audio.dtype != np.int16 or audio.ndim != 1:
        raise ClipFailure(f"{path}: expected 16 kHz mono int16 audio, got {rate} Hz {audio.dtype} {audio.shape}")
    return audio


def cut_audio(wav: Path, track: Track, out: Path, frame_rate: int = 25) -> Path:
    """``ffmpeg -i WAV -ss a -to b OUT``: a = first/25, b = (last+1)/25, 3 decimals (every peer)."""
    ffmpeg("-i", str(wav), "-ss", f"{track.start / frame_rate:.3f}", "-to", f"{(track.end + 1) / frame_rate:.3f}",
           str(out))
    return out


def track_crops(frames_bgr: np.ndarray, track: Track, crop_scale: float = 0.4) -> tuple[np.ndarray, dict]:
    """224² BGR crops and the median-13 geometry (s, x, y) of ``track``: run_pipeline's formulas."""
    geo = crop_geometry(track.boxes, 13)
    return crop_frames(frames_bgr, track.frames, geo, crop_scale, 224), geo


def write_video(crops_bgr: np.ndarray, path: Path, fourcc: str, fps: int = 25) -> Path:
    h, w = crops_bgr.shape[1:3]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*fourcc), fps, (w, h))
    if not writer.isOpened():
        raise ClipFailure(f"{path}: OpenCV cannot open a {fourcc} writer (its FFmpeg lacks the encoder)")
    for img in crops_bgr:
        writer.write(np.ascontiguousarray(img))
    writer.release()
    return path


def score_frames(net, frames_bgr: np.ndarray, audio: np.ndarray, device: str, resize: bool) -> dict[str, Any]:
    """SyncNetInstance.evaluate on frames + int16 audio (``resize``: LatentSync's cv2.resize to 224)."""
    size = net.config.img_size
    if resize or frames_bgr.shape[1:3] != (size, size):
        if not resize and frames_bgr.shape[1:3] != (224, 224):
            raise ClipFailure(f"frames are {frames_bgr.shape[2]}×{frames_bgr.shape[1]}; this protocol's SyncNet "
                              "reads 224×224 face crops as they are (the reference fails on other sizes): crop "
                              "the face first or use protocol=wild/latentsync/mocha, which do")
        frames_bgr = np.stack([cv2.resize(f, (size, size)) for f in frames_bgr])
    res = score_arrays(net, frames_bgr, audio.astype(np.float32) / 32768.0, vshift=VSHIFT, batch_size=BATCH,
                       device=device, min_windows=1)
    return {"offset": res.offset, "lse_c": res.lse_c, "lse_d": res.lse_d, "n_windows": res.n_windows,
            "min_length": res.min_length, "mdist": res.mdist, "jpgs": int(len(frames_bgr)),
            "audio_samples": int(len(audio))}


def score_file(net, video: Path, work: Path, *, jpg_args: Sequence[str], audio_args: Sequence[str],
               device: str, resize: bool = False) -> dict[str, Any]:
    """Dump ``video`` to jpgs and a 16 kHz wav with the reference's flags, then score."""
    jpgs = work / "jpg"
    jpgs.mkdir(parents=True, exist_ok=True)
    ffmpeg("-i", str(video), *jpg_args, "-f", "image2", str(jpgs / "%06d.jpg"))
    wav = work / "audio.wav"
    ffmpeg("-i", str(video), *audio_args, str(wav))
    return score_frames(net, read_jpgs(jpgs), read_wav_int16(wav), device, resize)


def track_record(track: Track, geo: dict, scored: dict[str, Any]) -> dict[str, Any]:
    cut = cut_boxes(geo, 0.4)
    return {"start": track.start, "end": track.end, "frames": int(len(track.frames)), "detected": track.detected,
            **scored,
            "box": {"mean": [round(float(v), 2) for v in track.boxes.mean(0)],
                    "first": [round(float(v), 2) for v in track.boxes[0]],
                    "last": [round(float(v), 2) for v in track.boxes[-1]],
                    "crop_mean": [round(float(v), 2) for v in cut.mean(0)],
                    "mean_pos": {k: round(float(np.mean(v)), 2) for k, v in geo.items()}}}
