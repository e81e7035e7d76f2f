"""LPIPS through the ``lpips`` package; the backbone's ImageNet weights come from the registry.

No reference repo fixes LPIPS's backbone, so the protocol (net, version, region, size, input
range [-1, 1]) is recorded with every number. ``lpips`` would download torchvision's backbone
at construction; talkbench builds it with random weights instead and loads the file the weights
registry resolved, so nothing is fetched at run time and the file's sha256 is recorded.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from talkbench import (
    AGG_POOLED, Metric, WeightsInvalidError, WeightsMissingError, MetricUnavailable, Option, WeightSpec, import_torchvision, sha256_file,
    weight_record,
)

from talkbench_imagequality.regions import (
    REGION_OPTIONS, check_regions_available, paired_regions_info, region_protocol, region_weight_records,
    with_faces_summary,
)

# torchvision's ImageNet checkpoints; the 8 hex digits in each name are the sha256 prefix that
# torchvision itself checks.
BACKBONES = {
    "alex": WeightSpec(
        "lpips-alex", "alexnet-owt-7be5be79.pth",
        ("https://download.pytorch.org/models/alexnet-owt-7be5be79.pth",),
        description="AlexNet ImageNet weights (torchvision) for LPIPS", license="BSD-3-Clause",
        also_at=("~/.cache/torch/hub/checkpoints/alexnet-owt-7be5be79.pth",),
    ),
    "vgg": WeightSpec(
        "lpips-vgg", "vgg16-397923af.pth", ("https://download.pytorch.org/models/vgg16-397923af.pth",),
        description="VGG16 ImageNet weights (torchvision) for LPIPS", license="BSD-3-Clause",
        also_at=("~/.cache/torch/hub/checkpoints/vgg16-397923af.pth",),
    ),
    "squeeze": WeightSpec(
        "lpips-squeeze", "squeezenet1_1-b8a52dc0.pth",
        ("https://download.pytorch.org/models/squeezenet1_1-b8a52dc0.pth",),
        description="SqueezeNet 1.1 ImageNet weights (torchvision) for LPIPS", license="BSD-3-Clause",
        also_at=("~/.cache/torch/hub/checkpoints/squeezenet1_1-b8a52dc0.pth",),
    ),
}


def _check_prefix(path: Path, spec: WeightSpec) -> str:
    digest = sha256_file(path)
    expected = spec.filename.rsplit("-", 1)[-1].split(".")[0]
    if not digest.startswith(expected):
        raise MetricUnavailable(
            f"{path}: sha256 {digest[:8]}… does not match {spec.filename} (expected {expected}…); "
            f"download it again from {spec.urls[0]}"
        )
    return digest


def backbone_features_state(torchvision_state: dict, lpips_net) -> dict:
    """Map a torchvision ``features.N.*`` state dict onto lpips's ``sliceK.N.*`` modules."""
    where = {}
    for slice_name, module in lpips_net.named_children():
        for idx, _ in module.named_children():
            where[idx] = slice_name
    out = {}
    for key, value in torchvision_state.items():
        if not key.startswith("features."):
            continue  # the classifier is not part of LPIPS
        idx, rest = key[len("features."):].split(".", 1)
        if idx in where:
            out[f"{where[idx]}.{idx}.{rest}"] = value
    return out


class LPIPS(Metric):
    name = "lpips"
    label = "LPIPS"
    version = "1"
    higher_is_better = False
    aggregation = AGG_POOLED
    value_range = (0.0, 1.0)
    weights = tuple(s.name for s in BACKBONES.values())  # the one used is in weight_records()
    description = "Learned perceptual distance (lpips package, inputs in [-1, 1]), frames pooled"
    options = REGION_OPTIONS + (
        Option("net", str, "alex", "LPIPS backbone", choices=tuple(BACKBONES)),
        Option("batch_size", int, 32, "frames per forward pass", min=1, affects_output=False),
    )

    def load(self, device: str = "cpu") -> None:
        super().load(device)
        check_regions_available(self.options, self.name)
        import torch

        spec = BACKBONES[self.options["net"]]
        try:
            record, weights_problem = weight_record(spec.name, spec), None
        except (WeightsMissingError, WeightsInvalidError) as exc:  # say why; the run goes on
            record, weights_problem = None, str(exc)
        try:
            import_torchvision()  # lpips imports torchvision at module level
            import lpips
        except ImportError as exc:  # the base install has neither: say which extra to install
            missing = getattr(exc, "name", None) or "lpips"
            also = f"; then {weights_problem}" if weights_problem else ""
            raise MetricUnavailable(
                f"lpips: needs the `lpips` extra ({missing} is not installed): "
                f"pip install -c constraints-cpu.txt 'talkbench[lpips]'{also}") from None
        if weights_problem:
            raise MetricUnavailable(weights_problem)
        path = Path(record["path"])
        if not record["override"]:  # a user's own backbone (--weights) is recorded, not judged
            _check_prefix(path, spec)
        self.used_weights = [record]
        with warnings.catch_warnings():
            # lpips builds its backbone with torchvision's deprecated `pretrained=` argument; the
            # weights are loaded from the registry's file just below, so the warning says nothing
            warnings.filterwarnings("ignore", category=UserWarning, module="torchvision")
            model = lpips.LPIPS(net=self.options["net"], pretrained=True, pnet_rand=True, verbose=False)
        state = torch.load(path, map_location="cpu", weights_only=True)
        missing, unexpected = model.net.load_state_dict(backbone_features_state(state, model.net), strict=False)
        if missing:
            raise MetricUnavailable(f"{path}: not a {spec.filename} checkpoint (missing {missing[:3]}…)")
        self.model = model.to(device).eval()
        self.weights_path = path

    def weight_records(self) -> list[dict]:
        return list(getattr(self, "used_weights", [])) + region_weight_records(self.options)

    def distances(self, gen: np.ndarray, ref: np.ndarray) -> np.ndarray:
        """Per-frame LPIPS for N×H×W×3 uint8 RGB arrays."""
        import torch

        out = []
        bs = self.options["batch_size"]
        with torch.no_grad():
            for i in range(0, len(gen), bs):
                a = torch.from_numpy(gen[i : i + bs]).permute(0, 3, 1, 2).float().to(self.device) / 127.5 - 1
                b = torch.from_numpy(ref[i : i + bs]).permute(0, 3, 1, 2).float().to(self.device) / 127.5 - 1
                out.append(self.model(a, b).flatten().cpu().numpy())
        return np.concatenate(out).astype(np.float64)

    def compute(self, generated, reference) -> dict[str, Any]:
        gen, ref, info = paired_regions_info(generated, reference, self.options, self.name)
        if gen.shape[-1] == 1:  # LPIPS backbones expect three channels
            gen, ref = np.repeat(gen, 3, axis=-1), np.repeat(ref, 3, axis=-1)
        per_frame = self.distances(gen, ref)
        # info: the face backend that made the boxes, and a note when fewer frames than the reference
        return {"value": float(per_frame.mean()), "n": int(len(per_frame)), **info}

    def protocol(self) -> dict[str, Any]:
        return region_protocol(self, self.options) | {"input_range": "[-1, 1]", "lpips_version": "0.1",
                                                     "package": "lpips"}

    def aggregate(self, per_clip: Sequence[dict]) -> dict[str, Any]:
        return with_faces_summary(super().aggregate(per_clip), per_clip)
