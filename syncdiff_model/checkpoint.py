"""Model checkpoints: a directory with ``config.json`` + ``model.safetensors`` (+ ``ema.safetensors``).

``load_model`` is the inference loader: sampling imports this module, never the training code.

The config travels with the weights, so ``--checkpoint DIR`` rebuilds the exact network. A
checkpoint that does not fit the requested config (another preset, another reference mode)
is one line naming the first mismatching tensor. All writes are atomic (temp + rename).
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any, Mapping

import torch
from safetensors.torch import load_file, save_file

from talkbench import TalkbenchError, WeightsMissingError, publish_dir
from syncdiff_model.config import SyncDiffConfig
from syncdiff_model.model import SyncDiffModel

CONFIG_FILE, MODEL_FILE, EMA_FILE, VQ_FILE = "config.json", "model.safetensors", "ema.safetensors", "vq.safetensors"


def _cpu(state: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    return {k: v.detach().to("cpu").contiguous() for k, v in state.items()}


def write_model_dir(final: Path, config: SyncDiffConfig, weights: Mapping[str, torch.Tensor],
                    ema: Mapping[str, torch.Tensor] | None = None, filename: str = MODEL_FILE,
                    extra: Mapping[str, Any] | None = None) -> Path:
    final = Path(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=final.parent, prefix=f".{final.name}."))
    (tmp / CONFIG_FILE).write_text(json.dumps({**config.to_dict(), **(extra or {})}, indent=1))
    save_file(_cpu(weights), str(tmp / filename))
    if ema is not None:
        save_file(_cpu(ema), str(tmp / EMA_FILE))
    publish_dir(tmp, final)
    return final


def read_config(path: Path) -> tuple[SyncDiffConfig, dict[str, Any]]:
    """The config stored in a checkpoint dir, and its extra (non-config) entries."""
    path = Path(path)
    cfg_file = path / CONFIG_FILE
    if not cfg_file.is_file():
        raise WeightsMissingError(
            f"{path}: not a syncdiff checkpoint (no {CONFIG_FILE}); pass the directory that "
            "`talkbench train --model syncdiff` wrote (OUT/model)"
        )
    data = json.loads(cfg_file.read_text())
    fields = set(SyncDiffConfig.__dataclass_fields__)
    extra = {k: data.pop(k) for k in list(data) if k not in fields}
    return SyncDiffConfig.from_dict(data), extra


def load_weights_into(module: torch.nn.Module, file: Path, what: str) -> None:
    """Strict load with one clear line on a shape or key mismatch."""
    if not file.is_file():
        raise WeightsMissingError(f"{file}: missing; the checkpoint is incomplete, train it again")
    state = load_file(str(file))
    own = module.state_dict()
    for key, value in state.items():
        if key in own and own[key].shape != value.shape:
            raise TalkbenchError(
                f"{file}: {what} does not fit this config ({key}: checkpoint "
                f"{tuple(value.shape)} vs model {tuple(own[key].shape)}); it was trained with "
                "another preset or reference/num_prev/audio setting: drop the overriding options"
            )
    missing = sorted(set(own) - set(state))
    unexpected = sorted(set(state) - set(own))
    if missing or unexpected:
        raise TalkbenchError(
            f"{file}: {what} keys do not match this config ({len(missing)} missing, e.g. "
            f"{missing[:2]}; {len(unexpected)} unexpected, e.g. {unexpected[:2]}); it was trained "
            "with another preset or switch setting"
        )
    module.load_state_dict(state)


def load_model(path: str | Path, device: str = "cpu", use_ema: bool = True,
               overrides: dict[str, Any] | None = None) -> SyncDiffModel:
    """A published model directory → model in eval mode (EMA weights unless told otherwise)."""
    path = Path(path)
    config, _ = read_config(path)
    config = config.with_overrides(overrides or {})
    model = SyncDiffModel(config)
    ema = path / EMA_FILE
    load_weights_into(model, ema if use_ema and ema.is_file() else path / MODEL_FILE, "the model")
    return model.to(device).eval()
