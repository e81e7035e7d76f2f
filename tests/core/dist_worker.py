"""Runs one benchmark in this process (launched by the distributed tests, e.g. under torchrun).

usage: python dist_worker.py OUT MODEL DATASET METRICS LIMIT [fake]
With ``fake``, only the fake test plugins are registered (no entry points load).
"""

import os
import sys
from pathlib import Path

import torch

torch.set_num_threads(1)

if __name__ == "__main__":
    out, model, dataset, metrics, limit = sys.argv[1:6]
    fake = len(sys.argv) > 6 and sys.argv[6] == "fake"
    if fake:
        os.environ["TALKBENCH_LOAD_PLUGINS"] = ""
        sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
        from talkbench.plugins import pm
        from core.fakes import FakePlugin

        pm.register(FakePlugin(), name="_fakes")
    from talkbench.runner import run_benchmark

    run_dir = run_benchmark(model, dataset, metrics=metrics.split(","), limit=int(limit), out=out,
                            device="cpu", progress=False)
    print(f"RUN_DIR {run_dir} RANK {os.environ.get('RANK', '-')}", flush=True)
