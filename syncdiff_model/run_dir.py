"""The files a training stage writes: resumable checkpoints, a loss CSV, preview PNG grids.

    OUT/<stage>/checkpoint-000200/   accelerate state (model, optimiser, lr schedule, RNG, EMA)
                                     + trainer_state.json (step); written to a temp dir, renamed
    OUT/<stage>/latest               name of the newest complete checkpoint (atomic)
    OUT/<stage>/loss.csv             step,loss,lr,seconds (rows past a resumed step are dropped)
    OUT/<stage>/previews/step-000200.png
"""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import cv2
import numpy as np

from talkbench import atomic_path, atomic_write_text

KEEP = 2  # resumable checkpoints kept per stage


class RunDir:
    def __init__(self, root: Path, stage: str, is_main: bool = True) -> None:
        self.dir = Path(root) / stage
        self.is_main = is_main
        self.dir.mkdir(parents=True, exist_ok=True)
        self.csv = self.dir / "loss.csv"
        self.t0 = time.time()

    # -- checkpoints -------------------------------------------------------------------
    def latest(self) -> Path | None:
        marker = self.dir / "latest"
        if not marker.is_file():
            return None
        path = self.dir / marker.read_text().strip()
        return path if (path / "trainer_state.json").is_file() else None

    def resume_step(self) -> int:
        latest = self.latest()
        if latest is None:
            return 0
        return int(json.loads((latest / "trainer_state.json").read_text())["step"])

    def temp_checkpoint(self, step: int) -> Path:
        """A fresh temp dir every rank can write into (same name on all ranks)."""
        tmp = self.dir / f".tmp-checkpoint-{step:06d}"
        if self.is_main:
            shutil.rmtree(tmp, ignore_errors=True)
            tmp.mkdir(parents=True)
        return tmp

    def publish_checkpoint(self, tmp: Path, step: int, state: dict) -> Path:
        """Main rank only: finish ``tmp``, rename it into place, move ``latest``, prune old ones."""
        (tmp / "trainer_state.json").write_text(json.dumps({"step": step, **state}, indent=1))
        final = self.dir / f"checkpoint-{step:06d}"
        shutil.rmtree(final, ignore_errors=True)
        os.replace(tmp, final)
        atomic_write_text(self.dir / "latest", final.name)
        done = sorted(p for p in self.dir.glob("checkpoint-*") if p.is_dir())
        for old in done[:-KEEP]:
            shutil.rmtree(old, ignore_errors=True)
        return final

    # -- logs --------------------------------------------------------------------------
    def start_log(self, resume_step: int) -> None:
        if not self.is_main:
            return
        rows = ["step,loss,lr,seconds"]
        if resume_step and self.csv.is_file():
            rows += [r for r in self.csv.read_text().splitlines()[1:] if r and int(r.split(",")[0]) <= resume_step]
        atomic_write_text(self.csv, "\n".join(rows) + "\n")
        self.tb = None
        try:
            from torch.utils.tensorboard import SummaryWriter  # only when tensorboard is installed

            self.tb = SummaryWriter(str(self.dir / "tensorboard"))
        except ImportError:
            pass

    def log(self, step: int, loss: float, lr: float) -> None:
        if not self.is_main:
            return
        with open(self.csv, "a") as f:
            f.write(f"{step},{loss:.6f},{lr:.3e},{time.time() - self.t0:.1f}\n")
        if self.tb is not None:
            self.tb.add_scalar("loss", loss, step)

    def preview(self, step: int, rows: list[np.ndarray]) -> Path:
        """Save a grid: one row per list entry, each a (N, S, S, 3) uint8 strip (RGB)."""
        grid = np.concatenate([np.concatenate(list(r), axis=1) for r in rows], axis=0)
        out = self.dir / "previews" / f"step-{step:06d}.png"
        with atomic_path(out) as tmp:
            cv2.imwrite(str(tmp), cv2.cvtColor(grid, cv2.COLOR_RGB2BGR))
        return out
