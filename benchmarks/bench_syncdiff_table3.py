"""Table 3 in miniature plus the shuffled-audio control, on the demo dataset; one JSON line.

    python benchmarks/bench_syncdiff_table3.py --ae runs/base/ae/model --steps 4000 --out runs/t3

Trains the diffusion stage of the tiny preset with the same budget (steps, batch, seed, the same
frozen first stage) for reference = rnd, prv, prv-, rnd+prv-, and rnd+prv- on shuffled audio,
then scores all of them with bench_syncdiff_learning.py. Each `talkbench train` is the user's
command; the loss curves stay in OUT/<name>/ldm/loss.csv.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

RUNS = {"rnd": ["reference=rnd"], "prv": ["reference=prv"], "prv-": ["reference=prv-"],
        "rnd+prv-": ["reference=rnd+prv-"], "rnd+prv-/shuffled": ["reference=rnd+prv-", "shuffle_audio=true"]}


def first_last_loss(csv: Path) -> tuple[float, float]:
    rows = [r.split(",") for r in csv.read_text().splitlines()[1:] if r]
    return float(rows[0][1]), float(rows[-1][1])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--ae", required=True, help="trained first stage (OUT/ae/model)")
    p.add_argument("--steps", type=int, default=100)
    p.add_argument("--out", required=True)
    p.add_argument("--only", default=",".join(RUNS))
    p.add_argument("--jobs", type=int, default=2, help="training runs at a time (one thread each)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--eval-args", default="--clips 8 --frames 50 --steps 20")
    args = p.parse_args()
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    result: dict = {"bench": "syncdiff_table3", "ldm_steps": args.steps, "seed": args.seed, "runs": {}}
    names = args.only.split(",")

    def train(name: str) -> tuple[str, Path, float]:
        out = Path(args.out) / name.replace("/", "_").replace("+", "p")
        opts = [x for o in RUNS[name] + ["stage=ldm", f"ae_checkpoint={args.ae}", "log_every=5"] for x in ("--option", o)]
        t0 = time.time()
        if not (out / "model" / "config.json").is_file():
            subprocess.run(["talkbench", "train", "--model", "syncdiff", "--dataset", "demo", "--preset", "tiny",
                            "--max-steps", str(args.steps), "--out", str(out), "--seed", str(args.seed), *opts],
                           check=True, env=env, stdout=subprocess.DEVNULL)
        return name, out, time.time() - t0

    models = []
    # one thread per run, --jobs runs at a time: on 2 cores two 1-thread runs beat one 2-thread run
    with ThreadPoolExecutor(args.jobs) as pool:
        for name, out, seconds in pool.map(train, names):
            first, last = first_last_loss(out / "ldm" / "loss.csv")
            result["runs"][name] = {"loss_first": first, "loss_last": last, "train_seconds": round(seconds, 1)}
            models += ["--model", f"{name}={out / 'model'}"]
    bench = Path(__file__).with_name("bench_syncdiff_learning.py")
    proc = subprocess.run([sys.executable, str(bench), *models, *args.eval_args.split()], check=True,
                          env=env, capture_output=True, text=True)
    result["eval"] = json.loads(proc.stdout.strip().splitlines()[-1])
    print(json.dumps(result))


if __name__ == "__main__":
    main()
