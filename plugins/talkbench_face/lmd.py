"""``lmd``: landmark distance of the mouth (iBUG-68 points 48–67), generated vs ground truth.

Default ``distance=vico``, as the ViCo challenge's evaluations/compute_lmd.py computes it: the
absolute x and y pixel differences of the 20 corresponding mouth points (``np.abs(pd - gt)``),
averaged over points, both coordinates and every frame where both faces were detected, pooled
over all frames of the corpus (its one mean over every frame of every video: AGG_POOLED).
``distance=euclidean``: the mean point-to-point Euclidean distance instead (the form several
papers describe as LMD; ~1.4× the ViCo number for isotropic errors). Options:
``normalize=interocular`` divides each frame's distance by the GT outer-eye-corner distance
(points 36–45), a face-size-normalised variant comparable across resolutions;
``center=True`` subtracts each frame's mouth centroid first (shape only, not position).
The landmark backend (dlib offline by default, or fan as the reference scripts) is recorded.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from talkbench import AGG_POOLED, ClipFailure, Metric, Option

from talkbench_face.tracks import FACE_OPTIONS, detected, paired_tracks

MOUTH = slice(48, 68)


def mouth_distances(gen_lm: np.ndarray, ref_lm: np.ndarray, normalize: str = "none",
                    center: bool = False, distance: str = "vico") -> np.ndarray:
    """Per-frame mean distance of the 20 mouth points (T×68×2 each): vico = mean |Δ| over the
    40 coordinates; euclidean = mean point-to-point distance."""
    g = np.asarray(gen_lm, dtype=np.float64)[:, MOUTH]
    r = np.asarray(ref_lm, dtype=np.float64)[:, MOUTH]
    if center:
        g = g - g.mean(axis=1, keepdims=True)
        r = r - r.mean(axis=1, keepdims=True)
    d = np.abs(g - r).mean(axis=(1, 2)) if distance == "vico" else np.linalg.norm(g - r, axis=2).mean(axis=1)
    if normalize == "interocular":
        ref = np.asarray(ref_lm, dtype=np.float64)
        d = d / np.linalg.norm(ref[:, 45] - ref[:, 36], axis=1)
    return d


class LMD(Metric):
    name = "lmd"
    version = "2"  # 2: ViCo's |Δx|,|Δy| mean pooled over frames (1 was Euclidean, mean of clips)
    label = "LMD"
    aggregation = AGG_POOLED  # ViCo: one mean over every frame of every video
    higher_is_better = False
    value_range = (0.0, None)
    description = "Mouth landmark distance (points 48–67) of generated vs GT frames"
    options = (
        Option("distance", str, "vico", "vico: mean |Δx|,|Δy| of the mouth points (ViCo's compute_lmd.py); "
               "euclidean: mean point-to-point distance", choices=("vico", "euclidean")),
        Option("normalize", str, "none", "none: pixels (ViCo); interocular: / GT outer-eye "
               "distance", choices=("none", "interocular")),
        Option("center", bool, False, "subtract each frame's mouth centroid first"),
        Option("frame_stride", int, 1, "use every k-th frame", min=1),
    ) + FACE_OPTIONS

    def protocol(self) -> dict[str, Any]:
        out = dict(self.options)
        out.update(points="iBUG-68 48–67 (mouth), each video's own landmarks",
                   distance=("mean |Δx|,|Δy| over the 20 points (ViCo evaluations/compute_lmd.py)"
                             if out["distance"] == "vico" else "Euclidean, mean over the 20 points"),
                   pooling="mean over every frame detected in both videos, pooled over the corpus",
                   units="pixels of the full frame" if out["normalize"] == "none" else "interocular")
        return out

    def compute(self, generated, reference) -> dict[str, Any]:
        o = self.options
        gen, ref, gt, rt, n = paired_tracks(generated, reference, o["face_backend"], "lmd")
        if gen.shape[1:3] != ref.shape[1:3]:
            raise ClipFailure(f"clip {generated.id}: generated {gen.shape[2]}×{gen.shape[1]} vs GT "
                              f"{ref.shape[2]}×{ref.shape[1]}: pixel LMD needs one frame size")
        idx = np.arange(0, n, o["frame_stride"])
        idx = idx[detected(gt, n)[idx] & detected(rt, n)[idx]]
        if len(idx) == 0:
            raise ClipFailure(f"clip {generated.id}: no frame with a detected face in both videos")
        d = mouth_distances(gt.landmarks[idx], rt.landmarks[idx], o["normalize"], o["center"], o["distance"])
        return {"value": float(d.mean()), "n": int(len(idx)), "backend": gt.backend,
                "max": float(d.max())}
