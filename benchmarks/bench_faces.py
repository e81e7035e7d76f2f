"""Face pipeline speed and the cost of downscaled detection; prints one JSON line.

    python benchmarks/bench_faces.py [--video ../shared/realdata/video/videoretalking_face_2.mp4]
                                     [--frames 20] [--max-side 360]

Measures on real frames (dlib backend, cache off unless stated): seconds per frame when
detecting on frames shrunk to --max-side vs on full frames, how far the landmarks of the two
differ (px, and relative to the face width), the detection rate of each, the cached second run
of the whole clip, and the crop / mask / paste functions per frame.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import numpy as np


def _per_frame(fn, n: int) -> float:
    t0 = time.perf_counter()
    fn()
    return (time.perf_counter() - t0) / n


def main() -> None:
    here = Path(__file__).resolve().parents[1]
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--video", default=str(here.parent / "shared/realdata/video/videoretalking_face_2.mp4"))
    ap.add_argument("--frames", type=int, default=20)
    ap.add_argument("--max-side", type=int, default=360)
    args = ap.parse_args()
    os.environ.setdefault("TALKBENCH_HOME", tempfile.mkdtemp(prefix="bench_faces_"))
    import torch

    torch.set_num_threads(1)
    import talkbench
    from talkbench.faces import (
        crop_resize, mouth_rois, paste_back, syncdiff_crop, syncnet_crops, track_faces, wav2lip_boxes,
    )

    clip = talkbench.load_clip(args.video)
    frames = clip.frames[: args.frames]
    sub = talkbench.Clip(id="bench", frames_source=frames)
    n = len(frames)
    from talkbench.faces.backends import make_backend

    make_backend("dlib")  # load the models once, outside the timings
    small = track_faces(sub, backend="dlib", cache=False, smooth=0, detect_max_side=args.max_side)
    t_small = small.meta["seconds"] / n
    full = track_faces(sub, backend="dlib", cache=False, smooth=0, detect_max_side=0)
    t_full = full.meta["seconds"] / n
    both = small.found & full.found
    diff = np.linalg.norm(small.landmarks[both] - full.landmarks[both], axis=-1)
    face_w = float(np.median(full.boxes[both, 2] - full.boxes[both, 0]))

    t0 = time.perf_counter()
    track_faces(clip, backend="dlib")  # whole clip, fills the cache
    t_first = time.perf_counter() - t0
    t0 = time.perf_counter()
    cached = track_faces(clip, backend="dlib")
    t_cached = time.perf_counter() - t0

    tr = small
    boxes = wav2lip_boxes(tr.boxes, (0, 10, 0, 0), frames.shape[1:3])
    crops, cboxes = syncdiff_crop(frames, tr)
    result = {
        "bench": "faces", "video": Path(args.video).name, "frame_size": list(frames.shape[1:3]),
        "frames": n, "detect_max_side": args.max_side,
        "dlib_s_per_frame_downscaled": round(t_small, 4), "dlib_s_per_frame_full": round(t_full, 4),
        "speedup_downscaled": round(t_full / t_small, 2),
        "found_downscaled": float(small.found.mean()), "found_full": float(full.found.mean()),
        "landmark_diff_px_median": round(float(np.median(diff)), 3),
        "landmark_diff_px_p95": round(float(np.percentile(diff, 95)), 3),
        "landmark_diff_rel_face_median": round(float(np.median(diff)) / face_w, 4),
        "clip_frames": clip.num_frames, "clip_first_run_s": round(t_first, 3),
        "clip_cached_run_s": round(t_cached, 4), "cache_speedup": round(t_first / t_cached, 1),
        "cache": cached.meta["cache"],
        "ms_per_frame": {
            "wav2lip_crop96": round(1e3 * _per_frame(lambda: crop_resize(frames, boxes, 96), n), 3),
            "syncdiff_crop256": round(1e3 * _per_frame(lambda: syncdiff_crop(frames, tr), n), 3),
            "syncnet_crops224": round(1e3 * _per_frame(lambda: syncnet_crops(frames, tr), n), 3),
            "mouth_rois88": round(1e3 * _per_frame(lambda: mouth_rois(frames, tr), n), 3),
            "paste_back256": round(1e3 * _per_frame(lambda: paste_back(frames, crops, cboxes), n), 3),
        },
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
