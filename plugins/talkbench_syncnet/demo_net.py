"""``net=demo``: a SyncNet trained on the demo dataset, so the demo table has sync columns.

The official weights cannot be downloaded everywhere (CI, offline machines). On first use the
tiny preset is trained on the demo dataset's train split (seed 0, deterministic on CPU) and
cached at ``$TALKBENCH_HOME/weights/syncnet_demo.model``; later runs load it. Numbers from
this net are labelled "demo SyncNet" in records and tables: they are not comparable with
published LSE values.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from talkbench import get_dataset, talkbench_home

DEMO_WEIGHTS = "syncnet_demo.model"
DEMO_PRESET = "tiny"
DEMO_SEED = 0


def demo_weights_path() -> Path:
    return talkbench_home() / "weights" / DEMO_WEIGHTS


def ensure_demo_weights(progress: bool = True) -> Path:
    """The demo SyncNet's weights file, training it first if it is not cached."""
    path = demo_weights_path()
    if path.is_file():
        return path
    from talkbench_syncnet.train import SyncNetTrainer

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
