"""``csim``: identity cosine similarity of generated frames to the reference identity.

``csim``: ArcFace (insightface ONNX, default ``glintr100``) on insightface-aligned 112×112
crops. ``csim_dlib``: the offline dlib descriptor, a separate metric labelled ``CSIM (dlib)`` so
its numbers never sit in an ArcFace column. Reference identity: the
same-index ground-truth frame (default) or the first ground-truth frame. Per clip: the mean
cosine over frames where a face was detected in both videos; corpus: mean over clips.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from talkbench import ClipFailure, Metric, Option, resolve_weight

from talkbench_face.tracks import FACE_OPTIONS, detected, paired_tracks
from talkbench_face.weight_specs import ARCFACE_R100, ARCFACE_R50


def cosine_rows(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a = a / np.linalg.norm(a, axis=1, keepdims=True)
    b = b / np.linalg.norm(b, axis=1, keepdims=True)
    return (a * b).sum(axis=1)


class CSIM(Metric):
    name = "csim"
    version = "1"
    label = "CSIM"
    higher_is_better = True
    value_range = (-1.0, 1.0)
    weights = (ARCFACE_R100, ARCFACE_R50)
    description = "Identity cosine similarity (ArcFace, or dlib offline) of generated vs GT frames"
    calibration: ClassVar[dict[str, Any]] = {
        "alignment_vs_insightface": "similarity transform equals skimage's estimate (1e-5 px); "
                                    "warped crop equals norm_crop's warp (≤ 1 grey level)",
        "onnx_vs_pytorch": "seeded random ArcFace-layout graph: onnxruntime = PyTorch (1e-5)",
        "official_weights": "not measured here (no download offline)",
    }
    options = (
        Option("arcface", str, ARCFACE_R100, "weights name of the ArcFace ONNX model",
               choices=(ARCFACE_R100, ARCFACE_R50)),
        Option("identity", str, "same_index", "reference identity: the same-index GT frame or "
               "the first GT frame", choices=("same_index", "first")),
        Option("frame_stride", int, 1, "use every k-th frame", min=1),
    ) + FACE_OPTIONS

    backend: ClassVar[str] = "arcface"

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.weights = (self.options["arcface"],)  # the one file this instance uses

    def load(self, device: str = "cpu") -> None:
        from talkbench_face.embedders import ArcFaceONNX, DlibDescriptor

        super().load(device)
        if self.backend == "dlib":
            self.embedder = DlibDescriptor()
        else:
            self.embedder = ArcFaceONNX(resolve_weight(self.options["arcface"]), device)

    def protocol(self) -> dict[str, Any]:
        out = dict(self.options, backend=self.backend)
        if self.backend == "dlib":
            out.update(network="dlib_face_recognition_resnet_model_v1 (128-d), offline backend: "
                               "not ArcFace", crop="dlib get_face_chip 150×150 padding 0.25 from "
                                                  "the 68 landmarks")
        else:
            out.update(network=f"insightface ArcFace {out['arcface']} (512-d) via onnxruntime",
                       crop="112×112, insightface 5-point similarity transform (points from the "
                            "68 landmarks: eye centres, nose tip 30, mouth corners 48/54)")
        if self.backend == "dlib" and hasattr(self, "embedder"):
            from talkbench import sha256_file

            out.update(model_file=str(self.embedder.model_path),
                       model_sha256=sha256_file(self.embedder.model_path))
        out.update(similarity="cosine", pooling="mean over frames detected in both videos, then "
                                                "mean over clips")
        if out["frame_stride"] > 1:  # a subsample, not every frame as the papers score: the table says so
            out["table_note"] = f"every {out['frame_stride']}th frame only"
        return out

    def _embed(self, frames, track, idx) -> np.ndarray:
        if self.backend == "dlib":
            return self.embedder.embed(frames[idx], track.landmarks[idx], track.boxes[idx])
        return self.embedder.embed(frames[idx], track.landmarks[idx])

    def compute(self, generated, reference) -> dict[str, Any]:
        o = self.options
        gen, ref, gt, rt, n = paired_tracks(generated, reference, o["face_backend"], "csim")
        idx = np.arange(0, n, o["frame_stride"])
        ok = detected(gt, n)[idx] & detected(rt, n)[idx]
        if o["identity"] == "first":
            ok &= bool(rt.found[0])
        idx = idx[ok]
        if len(idx) == 0:
            raise ClipFailure(f"clip {generated.id}: no frame with a detected face in both videos")
        g = self._embed(gen, gt, idx)
        r = self._embed(ref, rt, np.zeros(1, int) if o["identity"] == "first" else idx)
        sims = cosine_rows(g, np.broadcast_to(r, g.shape) if len(r) == 1 else r)
        return {"value": float(sims.mean()), "n": int(len(idx)), "min": float(sims.min())}


class CSIMDlib(CSIM):
    name = "csim_dlib"
    label = "CSIM (dlib)"
    backend = "dlib"
    weights = ()
    description = ("Identity cosine similarity with dlib's offline 128-d face descriptor "
                   "(face-recognition-models), NOT ArcFace: not comparable with papers' CSIM")
    options = tuple(o for o in CSIM.options if o.name != "arcface")

    def __init__(self, **options: Any) -> None:
        super(CSIM, self).__init__(**options)
        self.weights = ()
