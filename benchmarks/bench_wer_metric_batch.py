"""The `wer` metric clip by clip (`compute`) vs batched (`compute_batch`, batch_clips=8), one JSON line.

    python benchmarks/bench_wer_metric_batch.py [--batch 8] [--beam 5] [--rounds 2] [--threads 1]

What the runner calls per clip, whole: frame preprocessing, the encoder (each clip alone) and the
beam search (padded over the batch). Model: the AV-HuBERT calibration fixture's tiny seq2seq
(../shared/calibration/avhubert, official key layout) and its tokenizer; clips cut to different
lengths from a real video (../shared/realdata), so the batch is padded. Checks that every clip's
result is identical both ways. Alternates the two; reports clips/s, wall and CPU ratios, load.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

from avhubert_bench_common import FIXTURE, SHARED, alternate, fixture_checkpoint, parse_args
LIP = "avhubert-large-vsr-lrs2"


def main() -> None:
    args = parse_args(__doc__.splitlines()[0])
    import torch  # noqa: F401  (threads set by parse_args)

    import talkbench

    d = FIXTURE
    tmp = Path(tempfile.mkdtemp(prefix="bench_wer."))
    try:
        ckpt = fixture_checkpoint(tmp)
        os.environ["TALKBENCH_WEIGHTS"] = f"{LIP}={ckpt},{LIP}-spm={d / 'spm_tiny.model'}"
        metric = talkbench.get_metric("wer")(beam=args.beam, batch_clips=args.batch)
        metric.load("cpu")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    frames, _ = talkbench.read_frames(SHARED / "realdata" / "video" / "sadtalker_WDA_KatieHill_000.mp4")
    lengths = [75 - (i * 37) // max(1, args.batch - 1) for i in range(args.batch)]
    pairs = [(talkbench.Clip(f"c{i}", frames_source=frames[i: i + n], transcript="the quick brown fox"), None)
             for i, n in enumerate(lengths)]

    def per_clip():
        return [metric.compute(g, r) for g, r in pairs]

    def batched():
        return metric.compute_batch(pairs)

    with torch.no_grad():
        load_before = os.getloadavg()
        cost, res = alternate(per_clip, batched, args.rounds)
    n = args.batch * args.rounds
    print(json.dumps({
        "bench": "wer_metric_batch", "batch": args.batch, "beam": args.beam, "clip_frames": lengths,
        "per_clip_clips_per_s": round(n / cost["per_clip"][0], 3), "batched_clips_per_s": round(n / cost["batched"][0], 3),
        "ratio_wall": round(cost["per_clip"][0] / cost["batched"][0], 2),
        "ratio_cpu": round(cost["per_clip"][1] / cost["batched"][1], 2),
        "same_results": res["per_clip"] == res["batched"], "threads": args.threads,
        "model": "calibration tiny seq2seq", "loadavg_before": load_before, "loadavg_after": os.getloadavg(),
        "cpus": os.cpu_count(),
    }))


if __name__ == "__main__":
    main()
