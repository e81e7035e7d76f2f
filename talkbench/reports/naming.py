"""How runs and metrics are named in tables: row keys, display names, metric cards, number formats."""

from __future__ import annotations

import math
from typing import Any, Mapping

#: the paper's column order; other metrics follow alphabetically
METRIC_ORDER = ("psnr", "ssim", "lpips", "lse_c", "lse_d", "wer")
#: label, higher_is_better, decimals (as the paper prints them)
KNOWN_METRICS: dict[str, tuple[str, bool, int]] = {
    "psnr": ("PSNR", True, 2), "ssim": ("SSIM", True, 3), "lpips": ("LPIPS", False, 3),
    "lse_c": ("LSE-C", True, 2), "lse_d": ("LSE-D", False, 2), "wer": ("WER", False, 2),
}
#: row order of Table 1; unknown models follow alphabetically
MODEL_ORDER = ("gt", "syncdiff-ae", "static", "wav2lip", "sadtalker", "talklip", "difftalk", "syncdiff")
DISPLAY = {"gt": "GT", "syncdiff-ae": "GT-Rec", "static": "Static", "wav2lip": "Wav2Lip",
           "sadtalker": "SadTalker", "talklip": "TalkLip", "difftalk": "DiffTalk", "syncdiff": "SyncDiff"}
#: reference rows: shown first and never ranked (as the paper's GT and GT-Rec)
GT_KEYS = frozenset({"gt", "syncdiff-ae"})
DATASET_DISPLAY = {"lrs2": "LRS2", "lrs3": "LRS3", "demo": "Demo", "folder": "Folder"}
DATASET_ORDER = ("lrs2", "lrs3", "demo")
#: a SyncNet protocol value meaning "the official pretrained network"
OFFICIAL_NETS = frozenset({None, "", "official", "pretrained", "default"})


def row_key(record: Mapping[str, Any]) -> str:
    """The table row a run belongs to: its label, else the external preset, else the model name."""
    model = record.get("model") or {}
    if model.get("label"):
        return str(model["label"])
    options = model.get("options") or {}
    if model.get("name") == "external" and options.get("label"):
        return str(options["label"])  # the external generator's own display-name option
    if model.get("name") == "external" and options.get("preset"):
        return str(options["preset"])
    return str(model.get("name"))


def display_model(key: str) -> str:
    return DISPLAY.get(key, key)


def display_dataset(name: str) -> str:
    return DATASET_DISPLAY.get(name, name)


def model_sort_key(key: str) -> tuple:
    return (MODEL_ORDER.index(key), "") if key in MODEL_ORDER else (len(MODEL_ORDER), key)


def dataset_sort_key(name: str) -> tuple:
    return (DATASET_ORDER.index(name), "") if name in DATASET_ORDER else (len(DATASET_ORDER), name)


def metric_sort_key(name: str) -> tuple:
    return (METRIC_ORDER.index(name), "") if name in METRIC_ORDER else (len(METRIC_ORDER), name)


def decimals(metric: str) -> int:
    return KNOWN_METRICS.get(metric, ("", True, 3))[2]


def fmt(value: float | None, metric: str, signed: bool = False) -> str:
    if value is None or not math.isfinite(value):
        return "N/A"
    return f"{value:+.{decimals(metric)}f}" if signed else f"{value:.{decimals(metric)}f}"


def option_value_sort_key(value: Any) -> tuple:
    """Numbers numerically, then strings alphabetically."""
    try:
        return (0, float(value), "")
    except (TypeError, ValueError):
        return (1, 0.0, str(value))
