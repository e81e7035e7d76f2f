"""A track's 224×224 SyncNet input as run_pipeline's ``crop_video`` and SyncNetInstance make it.

Geometry: per frame of the (interpolated, otherwise unsmoothed) track, half-size
s = max(h, w)/2 and centre (x, y); each median-filtered over ``median_kernel`` (13) frames with
scipy ``medfilt``. The frame is padded by bsi = int(s·(1+2·cs)) pixels of grey 110 on every side
and rows [int(y+bsi−s), int(y+bsi+s(1+2cs))), columns [int(x+bsi−s(1+cs)), int(x+bsi+s(1+cs)))
are cut (numpy slicing, so a cut past the padded edge is shorter, as there), then
``cv2.resize`` to 224 (bilinear).
Round trips: the crops are written with ``cv2.VideoWriter`` (XVID fourcc, 25 fps) and, as
SyncNetInstance.evaluate reads them, dumped by ``ffmpeg -threads 1 -f image2 %06d.jpg``
(default mjpeg quality) and read with ``cv2.imread``.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
from scipy.signal import medfilt

from talkbench import ClipFailure

from talkbench_syncnet.wild.convert import ffmpeg, read_jpgs

PAD_VALUE = 110


def crop_geometry(boxes: np.ndarray, kernel: int = 13) -> dict[str, np.ndarray]:
    """The median-filtered size/centre (run_pipeline's ``proc_track``: keys s, x, y)."""
    b = np.asarray(boxes, dtype=np.float64)
    s = np.maximum(b[:, 3] - b[:, 1], b[:, 2] - b[:, 0]) / 2
    geo = {"s": s, "y": (b[:, 1] + b[:, 3]) / 2, "x": (b[:, 0] + b[:, 2]) / 2}
    return {k: medfilt(v, kernel_size=kernel) for k, v in geo.items()}


def cut_boxes(geo: dict[str, np.ndarray], crop_scale: float = 0.4) -> np.ndarray:
    """T×4 integer boxes (x1, y1, x2, y2) actually cut, in unpadded frame pixels."""
    out = []
    cs = crop_scale
    for s, x, y in zip(geo["s"], geo["x"], geo["y"]):
        bsi = int(s * (1 + 2 * cs))
        my, mx = y + bsi, x + bsi
        out.append([int(mx - s * (1 + cs)) - bsi, int(my - s) - bsi,
                    int(mx + s * (1 + cs)) - bsi, int(my + s * (1 + 2 * cs)) - bsi])
    return np.array(out, dtype=np.int64)


def crop_frames(frames_bgr: np.ndarray, track_frames: np.ndarray, geo: dict[str, np.ndarray],
                crop_scale: float = 0.4, size: int = 224) -> np.ndarray:
    """len(track)×size×size×3 uint8 BGR crops (frames indexed by the track's frame numbers)."""
    cs = crop_scale
    out = np.empty((len(track_frames), size, size, 3), np.uint8)
    for i, f in enumerate(track_frames):
        s, x, y = geo["s"][i], geo["x"][i], geo["y"][i]
        bsi = int(s * (1 + 2 * cs))
        padded = np.pad(frames_bgr[f], ((bsi, bsi), (bsi, bsi), (0, 0)), "constant", constant_values=PAD_VALUE)
        my, mx = y + bsi, x + bsi
        face = padded[int(my - s):int(my + s * (1 + 2 * cs)), int(mx - s * (1 + cs)):int(mx + s * (1 + cs))]
        if face.size == 0:
            raise ClipFailure(f"face crop of frame {int(f)} is empty (box off the frame)")
        out[i] = cv2.resize(face, (size, size))
    return out


def write_xvid(crops_bgr: np.ndarray, path: Path, fps: int = 25) -> Path:
    h, w = crops_bgr.shape[1:3]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"XVID"), fps, (w, h))
    if not writer.isOpened():
        raise ClipFailure(f"{path}: OpenCV cannot open an XVID writer (its FFmpeg has no mpeg4 encoder)")
    for img in crops_bgr:
        writer.write(np.ascontiguousarray(img))
    writer.release()
    return path


def read_video_bgr(path: Path) -> np.ndarray:
    cap = cv2.VideoCapture(str(path))
    frames = []
    while True:
        ok, img = cap.read()
        if not ok:
            break
        frames.append(img)
    cap.release()
    if not frames:
        raise ClipFailure(f"{path}: no frames read back")
    return np.stack(frames)


def roundtrip(crops_bgr: np.ndarray, work: Path, *, xvid: bool, jpeg: bool, fps: int = 25) -> np.ndarray:
    """What SyncNet sees of the crops after the reference's encode round trips (BGR)."""
    work.mkdir(parents=True, exist_ok=True)
    if xvid:
        avi = write_xvid(crops_bgr, work / "crop.avi", fps)
        if not jpeg:
            return read_video_bgr(avi)
        jpgs = work / "jpg"
        jpgs.mkdir(exist_ok=True)
        ffmpeg("-i", str(avi), "-threads", "1", "-f", "image2", str(jpgs / "%06d.jpg"))
        return read_jpgs(jpgs)
    if jpeg:
        from talkbench_syncnet.jpeg_roundtrip import roundtrip_rgb

        return roundtrip_rgb(np.ascontiguousarray(crops_bgr[..., ::-1]), fps)
    return crops_bgr
