"""``fvd``: Fréchet Video Distance with StyleGAN-V's I3D (``i3d_torchscript.pt``).

Input conventions of StyleGAN-V / LatentSync ``eval/fvd.py``: 16-frame clips, every frame
resized to 224×224 (bilinear, ``align_corners=False``), values in [−1, 1], N×3×16×224×224; the
detector is called with ``rescale=False, resize=False, return_features=True`` → 400-d
features. Clip sampling (``windows``): ``all`` (default) every non-overlapping 16-frame window of
each clip; ``latentsync`` only frames 20–35 (LatentSync's "frames 20–36"). Windows of the
generated and the GT video are the same frames; each clip's window features are cached in its
per-clip result (value = number of windows) and the corpus Fréchet distance is computed in
``aggregate`` (float64, scipy ``sqrtm``, as StyleGAN-V's ``compute_fvd``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Sequence

import numpy as np

from talkbench import (AGG_CORPUS, ClipFailure, Metric, Option, WeightsInvalidError,
                       resolve_weight)

from talkbench_distribution.frechet import corpus_distance, pack_features
from talkbench_distribution.weight_specs import FVD_I3D

if TYPE_CHECKING:  # torch and regions.py (torch, PIL) load when the metric runs, so
    import torch   # `talkbench metrics` imports this class without them

WINDOW, SIZE = 16, 224
WINDOWS = ("all", "latentsync")


def window_starts(n: int, windows: str) -> list[int]:
    if windows == "latentsync":
        return [20] if n >= 20 + WINDOW else []
    return list(range(0, n - WINDOW + 1, WINDOW))


def video_tensor(frames: Sequence[np.ndarray]) -> torch.Tensor:
    """T frames (H×W×3 uint8, sizes may differ) → 1×3×T×224×224 float in [−1, 1]."""
    import torch
    import torch.nn.functional as F

    out = []
    for f in frames:
        t = torch.from_numpy(np.ascontiguousarray(f)).permute(2, 0, 1)[None].float()
        out.append(F.interpolate(t, size=(SIZE, SIZE), mode="bilinear", align_corners=False))
    x = torch.cat(out) / 127.5 - 1.0              # T×3×224×224
    return x.permute(1, 0, 2, 3)[None]            # 1×3×T×224×224


def load_i3d(path) -> torch.jit.ScriptModule:
    import torch

    try:
        return torch.jit.load(str(path), map_location="cpu").eval()
    except (RuntimeError, ValueError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise WeightsInvalidError(f"{path}: not a TorchScript I3D ({first}); download "
                                  "i3d_torchscript.pt again") from None


class FVD(Metric):
    name = "fvd"
    version = "1"
    label = "FVD"
    higher_is_better = False
    aggregation = AGG_CORPUS
    value_range = (0.0, None)
    weights = (FVD_I3D,)
    description = "Fréchet Video Distance (StyleGAN-V I3D, 16-frame windows) vs the GT videos"
    options = (
        Option("windows", str, "all", "all: every non-overlapping 16-frame window; latentsync: "
               "frames 20-35 only", choices=WINDOWS),
        Option("crop", str, "full", "full frame or the GT face box of each frame",
               choices=("full", "face")),
        Option("face_backend", str, "auto", "talkbench.faces backend for crop=face"),
        Option("batch_size", int, 4, "windows per I3D batch", min=1, affects_output=False),
    )

    def load(self, device: str = "cpu") -> None:
        super().load(device)
        self.net = load_i3d(resolve_weight(FVD_I3D)).to(device)

    def protocol(self) -> dict[str, Any]:
        return dict(self.options, window=WINDOW, size=SIZE, resize="bilinear, align_corners=False",
                    input_range="[-1, 1]", detector_kwargs="rescale=False, resize=False, "
                    "return_features=True", features="I3D 400-d",
                    pooling="all windows of all clips pooled over the corpus; float64 np.cov, "
                            "scipy sqrtm", reference_set="the same windows of the GT videos")

    def _features(self, frames, starts) -> np.ndarray:
        import torch

        device = str(getattr(self, "device", "cpu"))
        vids = [video_tensor(frames[s:s + WINDOW]) for s in starts]
        out = []
        with torch.no_grad():
            for i in range(0, len(vids), self.options["batch_size"]):
                x = torch.cat(vids[i:i + self.options["batch_size"]]).to(device)
                out.append(self.net(x, rescale=False, resize=False, return_features=True).float().cpu().numpy())
        return np.concatenate(out)

    def compute(self, generated, reference) -> dict[str, Any]:
        from talkbench_distribution.regions import paired_crops

        o = self.options
        gen, ref = paired_crops(generated, reference, o["crop"], o["face_backend"])
        starts = window_starts(len(gen), o["windows"])
        if not starts:
            need = 36 if o["windows"] == "latentsync" else WINDOW
            raise ClipFailure(f"clip {generated.id}: {len(gen)} frames, FVD windows={o['windows']} "
                              f"needs at least {need}")
        g, r = self._features(gen, starts), self._features(ref, starts)
        return {"value": None, "n": len(starts),
                "window_starts": starts, "features": pack_features(g), "ref_features": pack_features(r)}

    def aggregate(self, per_clip):
        if not per_clip:
            return {"value": None, "n": 0}
        return corpus_distance(per_clip)
