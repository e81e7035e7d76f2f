"""PSNR in float arithmetic, per frame, pooled over all frames of the corpus (TalkLip)."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from talkbench import AGG_POOLED, Metric, Option

from talkbench_imagequality.regions import (
    REGION_OPTIONS, check_regions_available, paired_regions_info, region_protocol, region_weight_records,
    with_faces_summary,
)


def psnr_frames(gen: np.ndarray, ref: np.ndarray, max_db: float = 100.0, compat_uint8: bool = False) -> np.ndarray:
    """Per-frame PSNR (dB) for N×H×W×C uint8 arrays; identical frames get ``max_db``.

    ``compat_uint8`` reproduces TalkLip's visual_quality.py, which subtracts and squares uint8
    arrays (values wrap modulo 256, so its MSE never exceeds 255). Only for comparing with
    numbers computed that way.
    """
    if compat_uint8:
        diff = (ref.astype(np.uint8) - gen.astype(np.uint8)) ** 2  # wraps, as the reference
        mse = diff.reshape(len(diff), -1).mean(axis=1)
    else:
        diff = ref.astype(np.float64) - gen.astype(np.float64)
        mse = (diff * diff).reshape(len(diff), -1).mean(axis=1)
    out = np.full(len(mse), float(max_db))
    nz = mse > 0
    out[nz] = 10.0 * np.log10(255.0**2 / mse[nz])
    return out


class PSNR(Metric):
    name = "psnr"
    label = "PSNR"
    version = "1"
    higher_is_better = True
    aggregation = AGG_POOLED
    value_range = (0.0, 100.0)
    description = "Peak signal-to-noise ratio (dB) of the compared region, frames pooled over the corpus"
    options = REGION_OPTIONS + (
        Option("max_db", float, 100.0, "PSNR given to identical frames (TalkLip uses 100)"),
        Option("compat_uint8", bool, False, "reproduce TalkLip's uint8 wrap-around bug (never for new numbers)"),
    )

    def load(self, device: str = "cpu") -> None:
        super().load(device)
        check_regions_available(self.options, self.name)

    def compute(self, generated, reference) -> dict[str, Any]:
        gen, ref, info = paired_regions_info(generated, reference, self.options, self.name)
        per_frame = psnr_frames(gen, ref, self.options["max_db"], self.options["compat_uint8"])
        identical = int((per_frame == self.options["max_db"]).sum())
        return {"value": float(per_frame.mean()), "n": int(len(per_frame)), "identical_frames": identical, **info}

    def weight_records(self) -> list[dict[str, Any]]:
        return super().weight_records() + region_weight_records(self.options)

    def protocol(self) -> dict[str, Any]:
        return region_protocol(self, self.options)

    def aggregate(self, per_clip: Sequence[dict]) -> dict[str, Any]:
        out = super().aggregate(per_clip)
        n = sum(r.get("n", 0) for r in per_clip)
        if per_clip and sum(r.get("identical_frames", 0) for r in per_clip) == n:
            # every frame equals the reference (the GT row): PSNR is undefined, as the paper's N/A
            out.update(value=None, reason="identical to the reference: PSNR undefined")
        return with_faces_summary(out, per_clip)
