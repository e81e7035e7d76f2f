"""The image pairs a quality metric compares: which region, at which size, in which colours.

The protocol (region, size, colour) is part of every recorded number. Defaults follow
TalkLip's evaluation/visual_quality.py, the protocol behind Table 1: the face box of each GT
frame is cut from both videos, each crop resized to 96×96 with cv2 INTER_LINEAR, and frames
are paired up to the shorter video's length.
"""

from __future__ import annotations

import numpy as np

from talkbench import ClipFailure, Clip, Option

REGION_OPTIONS = (
    Option("region", str, "face", "compare the face box (TalkLip) or the full frame",
           choices=("face", "full")),
    Option("size", int, 96, "resize each region to size×size (0 keeps the native size)", min=0),
    Option("color", str, "rgb", "colour space the metric sees", choices=("rgb", "gray")),
    Option("face_backend", str, "auto", "talkbench.faces backend for region=face (boxes=track)"),
    Option("boxes", str, "track", "region=face boxes: a talkbench.faces track (face_backend, smoothed) "
           "or talklip (TalkLip's bbx_extract.py: S3FD per frame, best box, int(), centred 96×96 "
           "when none, no smoothing)", choices=("track", "talklip")),
    Option("boxes_dir", str, "", "boxes=talklip: folder of <clip_id>.npy boxes from TalkLip's "
           "bbx_extract.py (its --bbx_root); empty: detect them as it does (needs s3fd-619a316812.pth)"),
)


def _face_boxes(reference: Clip, backend: str, metric: str) -> tuple[np.ndarray, dict]:
    """Boxes of the reference's face per frame, and what the record says about them.

    ``auto`` never falls back from the protocol's face-alignment to dlib (talkbench.faces
    provenance): a missing backend fails the clip with the fix."""
    # Imported here so the metric works without the face pipeline when region=full.
    from talkbench.faces import face_facts, metric_backend, track_faces

    try:
        name, why = metric_backend(reference, backend, metric)
        track = track_faces(reference, backend=name, role="the reference clip")
    except ClipFailure as exc:
        if "no face found" in str(exc):
            raise ClipFailure(f"{exc}, or compare whole frames: --metric-option {metric}.region=full") from None
        raise
    return np.asarray(track.boxes, dtype=np.float64), face_facts(track, backend, why)


def _crop(frame: np.ndarray, box: np.ndarray) -> np.ndarray:
    h, w = frame.shape[:2]
    x1, y1, x2, y2 = (int(round(v)) for v in box)
    x1, y1 = max(0, x1), max(0, y1)
    x2, y2 = min(w, max(x2, x1 + 1)), min(h, max(y2, y1 + 1))
    return frame[y1:y2, x1:x2]


def _to_color(frames: np.ndarray, color: str) -> np.ndarray:
    if color == "gray":
        import cv2  # late: listing the plugin (`talkbench --help`) must not import cv2

        return np.stack([cv2.cvtColor(f, cv2.COLOR_RGB2GRAY) for f in frames])[..., None]
    return frames


def paired_regions(generated: Clip, reference: Clip | None, options: dict) -> tuple[np.ndarray, np.ndarray]:
    """(gen, ref) uint8 arrays N×S×S×C of the compared regions, N = min of the two lengths."""
    gen, ref, _ = paired_regions_info(generated, reference, options)
    return gen, ref


def paired_regions_info(generated: Clip, reference: Clip | None, options: dict,
                        metric: str = "psnr") -> tuple[np.ndarray, np.ndarray, dict]:
    """As ``paired_regions``, plus what a per-clip result must say: frames compared against the
    reference's count (a short generated clip is scored on fewer frames, and says so) and, for
    region=face, the face backend, its version and weights."""
    if reference is None:
        raise ClipFailure("image-quality metrics need the reference video")
    gen, ref = generated.frames, reference.frames
    n = min(len(gen), len(ref))
    if n == 0:
        raise ClipFailure(f"clip {generated.id}: no frames to compare")
    info: dict = {"frames_compared": int(n), "reference_frames": int(len(ref)), "generated_frames": int(len(gen))}
    if n < len(ref):
        info["note"] = f"computed on {n} of the reference's {len(ref)} frames (the generated clip is shorter)"
    gen, ref = gen[:n], ref[:n]
    import cv2  # late: listing the plugin (`talkbench --help`) must not import cv2

    if gen.shape[1:3] != ref.shape[1:3]:
        # a generator that outputs another resolution is compared on the reference's grid
        gen = np.stack([cv2.resize(f, (ref.shape[2], ref.shape[1]), interpolation=cv2.INTER_LINEAR) for f in gen])
    size = options["size"]
    if options["region"] == "face" and options.get("boxes") == "talklip":
        from talkbench_imagequality.talklip_boxes import talklip_boxes, talklip_crop

        boxes, info["faces"] = talklip_boxes(reference, options, n)
        gen = [talklip_crop(f, b, i, generated.id) for i, (f, b) in enumerate(zip(gen, boxes))]
        ref = [talklip_crop(f, b, i, reference.id) for i, (f, b) in enumerate(zip(ref, boxes))]
        if not size:
            raise ClipFailure("region=face needs size > 0")
    elif options["region"] == "face":
        boxes, info["faces"] = _face_boxes(reference, options["face_backend"], metric)
        boxes = boxes[:n]
        gen = [_crop(f, b) for f, b in zip(gen, boxes)]
        ref = [_crop(f, b) for f, b in zip(ref, boxes)]
        if not size:  # crops differ in size from frame to frame: a common grid is needed
            raise ClipFailure("region=face needs size > 0")
    if size:
        gen = np.stack([cv2.resize(f, (size, size), interpolation=cv2.INTER_LINEAR) for f in gen])
        ref = np.stack([cv2.resize(f, (size, size), interpolation=cv2.INTER_LINEAR) for f in ref])
    return _to_color(np.asarray(gen), options["color"]), _to_color(np.asarray(ref), options["color"]), info


def region_protocol(metric, options: dict) -> dict:
    """``protocol()`` of a region metric: its options, and a table label when the user chose a
    face backend other than the protocol's (face-alignment) or the clips' exact geometry."""
    from talkbench.faces import PROTOCOL_BACKENDS

    out = dict(options)
    if options.get("region") == "face" and options.get("boxes") == "talklip":
        from talkbench_imagequality.talklip_boxes import DETECTOR

        given = bool(options.get("boxes_dir"))
        out["face_boxes"] = {
            "protocol": "talklip", "reference": "Sxjdwang/TalkLip preparation/bbx_extract.py + evaluation/visual_quality.py",
            "source": "files" if given else "detector",
            "detector": None if given else f"{DETECTOR} (talkbench_s3fd: face-alignment's s3fd-619a316812.pth, "
                                           "full-resolution frames fed RGB with BGR means, batches of 32)",
            "boxes_dir": options.get("boxes_dir") or None,
        }
        out["table_note"] = "TalkLip face boxes" + (" (given files)" if given else "")
        return out
    if options.get("region") == "face" and options.get("face_backend") not in PROTOCOL_BACKENDS:
        out["table_label"] = f"{metric.label} ({options['face_backend']} faces)"
        out["table_note"] = f"{options['face_backend']} face boxes"
    return out


def check_regions_available(options: dict, metric: str) -> None:
    """A metric's ``load``: MetricUnavailable when its face boxes cannot be made here."""
    if options.get("region") == "face" and options.get("boxes") == "talklip":
        from talkbench_imagequality.talklip_boxes import check_available

        check_available(options, metric)


def region_weight_records(options: dict) -> list[dict]:
    """Extra entries for a region metric's ``weight_records`` (boxes=talklip's inputs)."""
    from talkbench_imagequality.talklip_boxes import boxes_records

    return boxes_records(options)


def with_faces_summary(agg: dict, per_clip) -> dict:
    """Add which face backends made the boxes (and on how many clips) to an aggregate."""
    from talkbench.faces import summarise_faces

    faces = summarise_faces(list(per_clip))
    if faces:
        agg["faces"] = faces
    lacking = sum(1 for r in per_clip if r.get("note"))
    if lacking:
        agg["clips_on_fewer_frames"] = lacking
    return agg
