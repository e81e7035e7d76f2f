"""``fid``: Fréchet Inception Distance of generated frames against the ground-truth frames.

Corpus metric: every frame of every clip is pooled (``AGG_CORPUS``); the reference set is the
dataset's ground-truth frames with the same crop. A per-clip Fréchet distance is not
meaningful, so a clip's ``value`` is the number of frames it contributes; its pool3 features
(generated and reference, float32) are kept in the per-clip result, so a resumed or sharded
run recomputes nothing and ``aggregate`` computes the distance from the cached features.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Mapping, Sequence

import numpy as np

from talkbench import AGG_CORPUS, Metric, Option, resolve_weight

from talkbench_distribution.frechet import corpus_distance, pack_features
from talkbench_distribution.weight_specs import FID_INCEPTION

if TYPE_CHECKING:  # torch and regions.py (torch, PIL) load when features are computed, so
    import torch   # `talkbench metrics` imports this class without them

#: the ``resize`` option's choices (regions.to_network_input implements both)
RESIZES = ("pytorch-fid", "clean")


def batched_features(net: torch.nn.Module, images: list[np.ndarray], resize: str,
                     batch_size: int, device: str) -> np.ndarray:
    import torch

    from talkbench_distribution.regions import to_network_input

    out = []
    with torch.no_grad():
        for i in range(0, len(images), batch_size):
            x = to_network_input(images[i:i + batch_size], resize).to(device)
            out.append(net(x, resize=False).float().cpu().numpy())
    return np.concatenate(out) if out else np.zeros((0, 2048), np.float32)


class FID(Metric):
    name = "fid"
    version = "1"
    label = "FID"
    higher_is_better = False
    aggregation = AGG_CORPUS
    value_range = (0.0, None)
    weights = (FID_INCEPTION,)
    description = ("Fréchet Inception Distance (pytorch-fid InceptionV3 pool3) of all generated "
                   "frames vs all ground-truth frames, same crop")
    calibration: ClassVar[dict[str, Any]] = {
        "vs_pytorch_fid_0.3.0": "features and distance equal pytorch-fid's InceptionV3 and "
                                "calculate_frechet_distance with the same (seeded random) weights "
                                "on real frames, rel. err < 1e-5 (tests/distribution)",
        "clean_resize_vs_clean_fid_0.1.35": "equal to make_resizer('PIL', False, 'bicubic')",
        "official_weights": "not measured here (no download offline)",
    }
    options = (
        Option("crop", str, "face", "face box of the GT frame (as Wav2Lip's README advises) or "
               "the full frame", choices=("face", "full")),
        Option("resize", str, "pytorch-fid", "to 299×299: pytorch-fid's bilinear or clean-fid's "
               "PIL bicubic", choices=RESIZES),
        Option("frame_stride", int, 1, "use every k-th frame (1 = every frame)", min=1),
        Option("face_backend", str, "auto", "talkbench.faces backend for crop=face"),
        Option("batch_size", int, 32, "frames per Inception batch", min=1, affects_output=False),
    )

    def load(self, device: str = "cpu") -> None:
        from talkbench_distribution.inception import load_fid_features

        super().load(device)
        path = resolve_weight(FID_INCEPTION)  # missing → unavailable with file, URL and place
        self.net = load_fid_features(path).to(device)

    def protocol(self) -> dict[str, Any]:
        out = dict(self.options)
        out.update(network="pytorch-fid 0.3.0 InceptionV3 (FID weights)", features="pool3 2048-d",
                   pooling="every used frame of every clip pooled over the corpus; Gaussian fit "
                           "in float64 (np.cov), scipy sqrtm",
                   reference_set="ground-truth frames of the same clips, same crop",
                   size=299, input_range="[0,1] then 2x-1",
                   box="raw face box of the GT track (no padding)" if out["crop"] == "face" else None)
        return out

    def compute(self, generated, reference) -> dict[str, Any]:
        from talkbench_distribution.regions import paired_crops

        o = self.options
        gen, ref = paired_crops(generated, reference, o["crop"], o["face_backend"], o["frame_stride"])
        device = str(getattr(self, "device", "cpu"))
        g = batched_features(self.net, gen, o["resize"], o["batch_size"], device)
        r = batched_features(self.net, ref, o["resize"], o["batch_size"], device)
        # no per-clip Fréchet distance (not meaningful): n frames contributed, value None
        return {"value": None, "n": int(len(g)),
                "features": pack_features(g), "ref_features": pack_features(r)}

    def aggregate(self, per_clip: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
        if not per_clip:
            return {"value": None, "n": 0}
        return corpus_distance(per_clip)
