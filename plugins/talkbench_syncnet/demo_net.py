"""``net=demo``: a SyncNet trained on the demo dataset, so the demo table has sync columns.

The official weights cannot be downloaded everywhere (CI, offline machines). The package ships
the demo net as ``data/syncnet_demo_tiny.model``, trained by this project with

    talkbench train --model syncnet --dataset demo --preset tiny --seed 0 --out DIR

(``DIR/syncnet.model``; deterministic on CPU for a given torch build), and records its sha256
below, so ``talkbench demo`` does not spend minutes training it. A checkout without the shipped
file (or an install that left package data out) trains the same net on first use, saying so,
and caches it at ``$TALKBENCH_HOME/weights/syncnet_demo_trained.model``. Numbers from either
file are labelled "demo SyncNet" in records and tables: they are not comparable with published
LSE values, which use the official ``syncnet_v2.model``.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from talkbench import WeightSpec, WeightsInvalidError, announce, get_dataset, sha256_file, talkbench_home

DEMO_PRESET = "tiny"
DEMO_SEED = 0
REPRODUCE = f"talkbench train --model syncnet --dataset demo --preset {DEMO_PRESET} --seed {DEMO_SEED}"
SHIPPED = Path(__file__).resolve().parent / "data" / "syncnet_demo_tiny.model"
#: sha256 of the shipped file (None until a trained file is committed beside this module)
SHIPPED_SHA256: str | None = "e567827883ddfefc58958ee922646af8a298510906d10280ad92cfab771e0869"
TRAINED_NAME = "syncnet_demo_trained.model"


def demo_weights_path() -> Path:
    """Where a demo net trained on this machine is cached (used when none is shipped)."""
    return talkbench_home() / "weights" / TRAINED_NAME


def shipped_weights() -> Path | None:
    """The packaged demo net, verified against the recorded sha256; None if not shipped."""
    if not SHIPPED.is_file():
        return None
    digest = sha256_file(SHIPPED)
    if SHIPPED_SHA256 is None or digest != SHIPPED_SHA256:
        raise WeightsInvalidError(
            f"{SHIPPED}: sha256 {digest[:12]}… is not the recorded {str(SHIPPED_SHA256)[:12]}… of the "
            f"shipped demo SyncNet; reinstall talkbench, or rebuild it with `{REPRODUCE} --out DIR`")
    return SHIPPED


def demo_weight_spec() -> WeightSpec:
    """The demo net as a registry entry, so ``talkbench weights`` lists it."""
    shipped = SHIPPED.is_file()
    return WeightSpec(
        name="syncnet_demo",
        filename=SHIPPED.name if shipped else TRAINED_NAME,
        sha256=SHIPPED_SHA256 if shipped else None,
        also_at=(str(SHIPPED),) if shipped else (),
        description=("demo SyncNet (lse_c/lse_d net=demo), trained by talkbench on the demo dataset, "
                     f"not the official weights; {'shipped with the package' if shipped else 'trained on first use'}"
                     f"; reproduce: {REPRODUCE}"),
        license="MIT (talkbench)",
    )


def ensure_demo_weights(progress: bool = True) -> Path:
    """The demo SyncNet's weights file: the shipped one, else a cached or freshly trained one."""
    shipped = shipped_weights()
    if shipped is not None:
        return shipped
    path = demo_weights_path()
    if path.is_file():
        return path
    from talkbench_syncnet.train import SyncNetTrainer

    announce(f"training the demo SyncNet (no shipped file at {SHIPPED}; once, cached at {path}; "
             f"the same as `{REPRODUCE}`)", enabled=progress)
    path.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(dir=path.parent, prefix=".syncnet_demo."))
    try:
        trainer = SyncNetTrainer(**SyncNetTrainer.presets[DEMO_PRESET])
        dataset = get_dataset("demo")()
        final = trainer.train(dataset, split="train", out_dir=work, seed=DEMO_SEED, progress=progress)
        # rename is atomic: a concurrent run sees either no file or the whole file
        final.replace(path)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return path


def ship(trained: Path) -> str:
    """Maintainers: make ``trained`` (``DIR/syncnet.model`` of the command in REPRODUCE) the
    shipped demo net: copy it beside this module and record its sha256 in this file."""
    import re

    from talkbench_syncnet.model import checkpoint_meta, load_syncnet
    from talkbench_syncnet.train import SyncNetTrainer

    load_syncnet(trained)  # refuses anything that is not a SyncNet checkpoint
    meta = checkpoint_meta(trained)
    preset = SyncNetTrainer.presets[DEMO_PRESET]
    if meta.get("dataset") != "demo" or meta.get("seed") != DEMO_SEED or meta.get("final_step") != preset["steps"]:
        raise ValueError(f"{trained}: not the output of `{REPRODUCE}` (meta {meta.get('dataset')}, "
                         f"seed {meta.get('seed')}, {meta.get('final_step')} steps)")
    SHIPPED.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(trained, SHIPPED)
    digest = sha256_file(SHIPPED)
    src = Path(__file__).read_text()
    Path(__file__).write_text(re.sub(r"^SHIPPED_SHA256: str \| None = .*$", f'SHIPPED_SHA256: str | None = "{digest}"',
                                     src, count=1, flags=re.M))
    return digest


if __name__ == "__main__":  # python -m talkbench_syncnet.demo_net DIR/syncnet.model
    import sys

    print(f"{SHIPPED}: sha256 {ship(Path(sys.argv[1]))}")
