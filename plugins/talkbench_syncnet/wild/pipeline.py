"""One clip through the wild pipeline: per-track SyncNet results and the clip value."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any, Callable

import numpy as np
from scipy.io import wavfile

from talkbench import ClipFailure

from talkbench_syncnet.scoring import score_arrays
from talkbench_syncnet.wild.convert import Converted, convert, ffmpeg
from talkbench_syncnet.wild.crops import crop_frames, crop_geometry, cut_boxes, roundtrip
from talkbench_syncnet.wild.settings import WildSettings
from talkbench_syncnet.wild.shots import detect_shots
from talkbench_syncnet.wild.tracks import Track, all_tracks

#: frames (BGR, the converted video's) → per frame [[x1, y1, x2, y2, score], ...]
Detector = Callable[[np.ndarray], list]


def track_audio(conv: Converted, track: Track, work: Path, s: WildSettings) -> np.ndarray:
    """int16 audio the track is scored against."""
    if s.audio_span == "clip":
        return conv.audio
    # crop_video: ffmpeg -i audio.wav -ss START -to END (seconds to 3 decimals)
    start = track.start / s.frame_rate
    end = (track.end + 1) / s.frame_rate
    out = work / "audio.wav"
    ffmpeg("-i", str(conv.audio_wav), "-ss", f"{start:.3f}", "-to", f"{end:.3f}", str(out))
    _, audio = wavfile.read(out)
    return audio


def score_track(net, conv: Converted, track: Track, work: Path, s: WildSettings, device: str,
                keep_boxes: bool = False) -> dict[str, Any]:
    geo = crop_geometry(track.boxes, s.median_kernel)
    crops = crop_frames(conv.frames, track.frames, geo, s.crop_scale, s.crop_size)
    seen = roundtrip(crops, work, xvid=s.xvid_roundtrip, jpeg=s.jpeg_roundtrip, fps=s.frame_rate)
    size = net.config.img_size
    if seen.shape[1:3] != (size, size):  # SyncNetInstance resizes what it reads to the net's input
        import cv2

        seen = np.stack([cv2.resize(f, (size, size)) for f in seen])
    audio = track_audio(conv, track, work, s)
    res = score_arrays(net, seen, audio.astype(np.float32) / 32768.0, vshift=s.vshift,
                       batch_size=s.batch_size, device=device, min_windows=1)
    cut = cut_boxes(geo, s.crop_scale)
    out = {
        "start": track.start, "end": track.end, "frames": int(len(track.frames)), "detected": track.detected,
        "offset": res.offset, "lse_c": res.lse_c, "lse_d": res.lse_d, "n_windows": res.n_windows,
        "min_length": res.min_length, "mdist": res.mdist,
        "box": {"mean": [round(float(v), 2) for v in track.boxes.mean(0)],
                "first": [round(float(v), 2) for v in track.boxes[0]],
                "last": [round(float(v), 2) for v in track.boxes[-1]],
                "crop_mean": [round(float(v), 2) for v in cut.mean(0)],
                "mean_pos": {k: round(float(np.mean(v)), 2) for k, v in geo.items()}},
    }
    if keep_boxes:  # every frame's box and crop geometry (tests; too long for a score file)
        out["bbox"] = track.boxes.tolist()
        out["proc_track"] = {k: v.tolist() for k, v in geo.items()}
    return out


def combine(tracks: list[dict[str, Any]], rule: str) -> dict[str, Any]:
    """The clip's offset/LSE-C/LSE-D from its tracks by ``rule`` (see WildSettings.combine)."""
    if rule == "first":
        chosen = tracks[0]
    elif rule == "best":
        chosen = max(tracks, key=lambda t: t["lse_c"])
    else:  # all / mean: the clip shows the mean of its tracks (all: the dataset mean pools tracks)
        return {"offset": None if len({t["offset"] for t in tracks}) > 1 else tracks[0]["offset"],
                "lse_c": float(np.mean([t["lse_c"] for t in tracks])),
                "lse_d": float(np.mean([t["lse_d"] for t in tracks])), "track": None}
    return {"offset": chosen["offset"], "lse_c": chosen["lse_c"], "lse_d": chosen["lse_d"],
            "track": tracks.index(chosen)}


def run_wild(video: Path, net, s: WildSettings, detect: Detector, *, device: str = "cpu",
             label: str = "", keep_boxes: bool = False) -> dict[str, Any]:
    """Per-track results and the clip value of the file ``video``; ClipFailure without a track."""
    where = label or str(video)
    with tempfile.TemporaryDirectory(prefix="talkbench_wild_") as tmp:
        work = Path(tmp)
        conv = convert(Path(video), work, enabled=s.convert, frame_rate=s.frame_rate)
        n = len(conv.frames)
        detections = detect(conv.frames)
        if len(detections) != n:
            raise ClipFailure(f"{where}: face geometry has {len(detections)} frames, the {s.frame_rate} fps "
                              f"conversion {n}; detect on the converted frames (see the geometry format)")
        shots = detect_shots(conv.video) if s.shot_split else [(0, n)]
        tracks = all_tracks(detections, shots, min_track=s.min_track, num_failed_det=s.num_failed_det,
                            iou_thres=s.iou_thres, min_face_size=s.min_face_size)
        if not tracks:
            raise ClipFailure(
                f"{where}: no face track ≥ {s.min_track} frames (needs more than {s.min_track} detected frames "
                f"in one shot, mean face > {s.min_face_size:g} px; {n} frames, {len(shots)} shot(s), "
                f"faces in {sum(1 for d in detections if d)} frames)")
        results = [score_track(net, conv, t, work / f"track{i:05d}", s, device, keep_boxes) for i, t in enumerate(tracks)]
    out = combine(results, s.combine)
    return {**out, "tracks": results, "shots": [list(x) for x in shots], "frames": n, "combine": s.combine}
