"""Find and load DiffTalk weights: a talkbench model directory, a trainer run, or a .ckpt."""

from __future__ import annotations

from pathlib import Path

from talkbench import WeightsMissingError, WeightSpec, resolve_weight

WEIGHT_NAME = "difftalk"
NOT_RELEASED = (
    "DiffTalk's authors never released weights (there is no public URL); train a model with "
    "`talkbench train --model difftalk --dataset DATASET --preset tiny|paper` and pass "
    "--checkpoint RUN_DIR, or pass a DiffTalk Lightning .ckpt with --weights difftalk=PATH "
    "--option config=talking.yaml"
)
WEIGHT_SPEC = WeightSpec(
    name=WEIGHT_NAME, filename="difftalk.ckpt", urls=(), sha256=None,
    description="DiffTalk LDM in DiffTalk's CompVis/Lightning layout (needs --option config=YAML). "
                + NOT_RELEASED,
    license="DiffTalk (sstzal/DiffTalk) has no released weights",
)


def model_dir(path: Path) -> Path | None:
    """``path`` itself, or the ``model/`` inside a `talkbench train` run, if it holds config.json."""
    for cand in (path, path / "model"):
        if (cand / "config.json").is_file():
            return cand
    return None


def load_model(checkpoint: str | Path | None, config_yaml: str = ""):
    """(DiffTalkModel, provenance dict) from --checkpoint, or the `difftalk` registered weights."""
    from talkbench_difftalk.convert import load_difftalk_checkpoint
    from talkbench_difftalk.model import DiffTalkModel

    if checkpoint is None:
        try:
            checkpoint = resolve_weight(WEIGHT_NAME, WEIGHT_SPEC)
        except WeightsMissingError:
            raise WeightsMissingError(f"difftalk: no weights; {NOT_RELEASED}") from None
    path = Path(checkpoint).expanduser()
    if path.is_dir():
        found = model_dir(path)
        if found is None:
            raise WeightsMissingError(f"{path}: no DiffTalk model here (expected config.json or "
                                      "model/config.json from `talkbench train --model difftalk`)")
        return DiffTalkModel.from_pretrained(found), {"format": "talkbench", "path": str(found)}
    if not path.is_file():
        raise WeightsMissingError(f"{path}: no such DiffTalk checkpoint; {NOT_RELEASED}")
    if not config_yaml:
        raise WeightsMissingError(f"{path}: a DiffTalk Lightning checkpoint needs its training yaml: "
                                  "pass --option config=configs/latent-diffusion/talking.yaml")
    model, report = load_difftalk_checkpoint(path, config_yaml)
    return model, {"format": "compvis", "path": str(path), "config": config_yaml, **report}
