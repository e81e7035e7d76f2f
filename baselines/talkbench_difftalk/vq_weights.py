"""Reuse a pretrained first stage: a talkbench DiffTalk model dir, or an LDM VQ-f4 .ckpt."""

from __future__ import annotations

from pathlib import Path

from talkbench_difftalk import keymap


def load_vq_weights(model, source: str | Path) -> str:
    """Copy VQ weights into ``model.vq`` (strict); returns what was loaded, for the record."""
    from talkbench_difftalk.convert import read_checkpoint
    from talkbench_difftalk.loading import model_dir
    from talkbench_difftalk.model import DiffTalkModel

    path = Path(source).expanduser()
    if path.is_dir():
        found = model_dir(path)
        if found is None:
            raise FileNotFoundError(f"vq_from={path}: no model/config.json there")
        model.vq.load_state_dict(DiffTalkModel.from_pretrained(found).vq.state_dict(), strict=True)
        return str(found)
    if not path.is_file():
        raise FileNotFoundError(f"vq_from={path}: no such file or directory")
    sd = read_checkpoint(path)
    # LDM's VQ-f4 model.ckpt has the autoencoder at top level; a DiffTalk ckpt under first_stage_model.
    prefix = keymap.VQ if any(k.startswith(keymap.VQ) for k in sd) else ""
    table = keymap.vq_table(model.config)
    own = model.vq.state_dict()
    new, missing = {}, []
    for name, tensor in own.items():
        ck = prefix + keymap.to_ckpt_key(name, table)
        if ck not in sd:
            missing.append(ck)
            continue
        new[name] = sd[ck].reshape(tensor.shape).to(tensor.dtype)
    if missing:
        raise ValueError(f"vq_from={path}: {len(missing)} first-stage keys missing, e.g. {', '.join(missing[:5])}; "
                         "is it a VQ-f4 checkpoint matching the config (ch, n_embed)?")
    model.vq.load_state_dict(new, strict=True)
    return str(path)
