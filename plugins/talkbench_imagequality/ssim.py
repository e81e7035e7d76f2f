"""SSIM as TalkLip: skimage, gaussian weights σ=1.5, population covariance, data_range 255."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from talkbench import AGG_POOLED, Metric

from talkbench_imagequality.regions import (
    REGION_OPTIONS, check_regions_available, paired_regions_info, region_protocol, region_weight_records,
    with_faces_summary,
)


def ssim_frames(gen: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """Per-frame SSIM of N×H×W×C uint8 arrays (channels averaged, as skimage's channel_axis)."""
    # late: skimage pulls scipy.ndimage (~2 s), which listing the plugin must not pay for
    from skimage.metrics import structural_similarity

    return np.array([
        structural_similarity(
            r, g, channel_axis=-1, gaussian_weights=True, sigma=1.5,
            use_sample_covariance=False, data_range=255,
        )
        for g, r in zip(gen, ref)
    ])


class SSIM(Metric):
    name = "ssim"
    label = "SSIM"
    version = "1"
    higher_is_better = True
    aggregation = AGG_POOLED
    value_range = (-1.0, 1.0)
    description = "Structural similarity (gaussian σ=1.5, population covariance), frames pooled"
    options = REGION_OPTIONS

    def load(self, device: str = "cpu") -> None:
        super().load(device)
        check_regions_available(self.options, self.name)

    def compute(self, generated, reference) -> dict[str, Any]:
        gen, ref, info = paired_regions_info(generated, reference, self.options, self.name)
        per_frame = ssim_frames(gen, ref)
        return {"value": float(per_frame.mean()), "n": int(len(per_frame)), **info}

    def aggregate(self, per_clip: Sequence[dict]) -> dict[str, Any]:
        return with_faces_summary(super().aggregate(per_clip), per_clip)

    def weight_records(self) -> list[dict[str, Any]]:
        return super().weight_records() + region_weight_records(self.options)

    def protocol(self) -> dict[str, Any]:
        return region_protocol(self, self.options)
