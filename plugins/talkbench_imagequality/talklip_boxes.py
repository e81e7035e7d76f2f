"""TalkLip's face boxes for PSNR/SSIM (``boxes=talklip``), as preparation/bbx_extract.py makes
them and evaluation/visual_quality.py uses them.

bbx_extract.py runs S3FD (face-alignment's weights, Wav2Lip's detection code) on every frame of
the ground-truth video at full resolution, in batches of 32, and keeps per frame the
highest-score detection, clipped at 0 and truncated with ``int()``; a frame without a face gets a
96×96 box in the frame centre. No tracking, no smoothing, no interpolation. visual_quality.py
then slices ``frame[y1:y2, x1:x2]`` with those integers (numpy semantics, no rounding) from both
videos and resizes each crop to 96×96 (cv2 bilinear).

The boxes come from a folder of ``<clip_id>.npy`` files (``boxes_dir``: bbx_extract.py's
``--bbx_root``, e.g. the ones a TalkLip user already has), or from talkbench's S3FD backend
``s3fd-talklip`` (the talkbench_s3fd plugin), which reproduces bbx_extract.py's boxes exactly.
Without either, the metric is unavailable, with the fix: never a quiet switch to other boxes.

Frames: TalkLip reads the native frames with cv2; talkbench's reference clip is at 25 fps
(converted when the file is not), so the two agree on 25 fps sources (LRS2, LRS3) only.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from talkbench import Clip, ClipFailure, MetricUnavailable, WeightsInvalidError, WeightsMissingError, sha256_file

DETECTOR = "s3fd-talklip"
NO_FACE_SIDE = 96


def talklip_box(dets, frame_hw: tuple[int, int]) -> tuple[int, int, int, int]:
    """One frame's box from its detections (best first): bbx_extract.py's rule."""
    if len(dets) == 0:
        h, w = frame_hw
        top, left = int((h - NO_FACE_SIDE) / 2), int((w - NO_FACE_SIDE) / 2)
        return left, top, left + NO_FACE_SIDE, top + NO_FACE_SIDE
    best = np.clip(np.asarray(dets[0].box, dtype=np.float32), 0, None)
    x1, y1, x2, y2 = (int(v) for v in best)
    return x1, y1, x2, y2


def check_available(options: dict, metric: str) -> None:
    """MetricUnavailable (naming the file and the fix) when boxes=talklip cannot be made here."""
    if options.get("boxes") != "talklip" or options.get("boxes_dir"):
        if options.get("boxes_dir") and not Path(options["boxes_dir"]).expanduser().is_dir():
            raise MetricUnavailable(f"{metric}: boxes_dir {options['boxes_dir']}: no such folder; give "
                                    "TalkLip's bbx_root (bbx_extract.py --bbx_root)")
        return
    from talkbench.faces import make_backend

    try:
        make_backend(DETECTOR)
    except ValueError:
        raise MetricUnavailable(
            f"{metric}: boxes=talklip needs the {DETECTOR} face backend (the talkbench_s3fd plugin, "
            f"part of talkbench: reinstall it), or TalkLip's own boxes: --metric-option {metric}.boxes_dir=DIR"
        ) from None
    except (WeightsMissingError, WeightsInvalidError) as exc:
        raise MetricUnavailable(
            f"{metric}: boxes=talklip runs TalkLip's S3FD: {exc}; or give TalkLip's own boxes "
            f"(bbx_extract.py output): --metric-option {metric}.boxes_dir=DIR"
        ) from None


def boxes_records(options: dict) -> list[dict]:
    """What the boxes depend on, as weight records (so part of the metric's cache key and the
    record): the boxes folder's contents, or the detector's weights file."""
    if options.get("region") != "face" or options.get("boxes") != "talklip":
        return []
    if options.get("boxes_dir"):
        import hashlib

        root = Path(options["boxes_dir"]).expanduser()
        h = hashlib.sha256()
        for f in sorted(root.rglob("*.npy")):  # a changed or added box file changes the key
            h.update(f"{f.relative_to(root).as_posix()}\0{sha256_file(f)}\n".encode())
        return [{"name": "talklip_boxes", "path": str(root), "sha256": h.hexdigest(), "override": True}]
    from talkbench import weight_record

    try:
        return [weight_record("face_alignment_s3fd")]
    except (WeightsMissingError, WeightsInvalidError):
        return []  # load() has said the metric is unavailable


def _from_file(reference: Clip, boxes_dir: str, n: int) -> tuple[np.ndarray, dict]:
    path = Path(boxes_dir).expanduser() / f"{reference.id}.npy"
    if not path.is_file():
        raise ClipFailure(f"{path}: no TalkLip boxes for clip {reference.id}; run TalkLip's "
                          "bbx_extract.py for it, or leave boxes_dir empty to detect them")
    boxes = np.load(path, allow_pickle=False)
    if boxes.ndim != 2 or boxes.shape[1] != 4 or len(boxes) < n:
        raise ClipFailure(f"{path}: expected ≥ {n}×4 boxes (x1, y1, x2, y2), got {boxes.shape}; "
                          "it belongs to another video or is damaged: extract it again")
    return boxes, {"backend": "talklip-files", "version": "bbx_extract.py output", "source": "file",
                   "path": str(path), "sha256": sha256_file(path)}


def _detected(reference: Clip) -> tuple[np.ndarray, dict]:
    from talkbench.faces import make_backend

    backend = make_backend(DETECTOR)
    frames = reference.frames  # every frame, batched from frame 0 as bbx_extract.py
    dets = backend.detect_batch(frames)
    boxes = np.array([talklip_box(d, frames.shape[1:3]) for d in dets], dtype=np.int64)
    no_face = int(sum(1 for d in dets if len(d) == 0))
    weights = [{"name": n, "path": p, "sha256": h} for n, p, h in backend.weight_files()]
    return boxes, {"source": "detector", "backend": backend.name, "version": backend.version,
                   "settings": backend.settings(), "weights": weights, "no_face_frames": no_face}


def talklip_boxes(reference: Clip, options: dict, n: int) -> tuple[np.ndarray, dict]:
    """(n×4 int boxes, what the record says about them) for the reference clip."""
    if options.get("boxes_dir"):
        boxes, facts = _from_file(reference, options["boxes_dir"], n)
    else:
        boxes, facts = _detected(reference)
    facts = {"box_style": "talklip", "requested": "boxes=talklip", "labelled": False, **facts}
    return np.asarray(boxes[:n]), facts


def talklip_crop(frame: np.ndarray, box, index: int, clip_id: str) -> np.ndarray:
    """visual_quality.py's crop: plain slicing with the integer box (no rounding, no clamping
    beyond numpy's own); an empty crop is a failure (cv2.resize would raise on it)."""
    x1, y1, x2, y2 = (int(v) for v in box)
    crop = frame[y1:y2, x1:x2]
    if crop.size == 0:
        raise ClipFailure(f"clip {clip_id}: TalkLip box {[x1, y1, x2, y2]} of frame {index} is empty "
                          f"in a {frame.shape[1]}×{frame.shape[0]} frame; check the boxes")
    return crop
