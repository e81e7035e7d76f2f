"""WER beam search: clips/s of the batched beam (beam_search_batch) vs per-clip beam, one JSON line.

    python benchmarks/bench_beam_batch.py [--batch 8] [--beam 5] [--rounds 2] [--threads 1] [--frontend]

Model and input: the AV-HuBERT calibration fixture (../shared/calibration/avhubert, the tiny
seq2seq checkpoint in the official key layout) with clips cut to different lengths from its
video, so the batch is padded. Timed: decoding only (encoder outputs are computed once per clip
and shared by both ways). Also checks that every clip's hypotheses are the same both ways.
Alternates per-clip and batched passes; reports CPU and wall ratios and the machine's load.

``--frontend`` measures the encoders instead (a "wer_frontend_batch" line): each clip's video
front-end (ResNet) alone vs the front-ends of the batch in one trunk call
(``beam.video_features_batch``, as ``generate_batch`` runs them), the transformer encoder per clip
both ways; checks the encoder outputs agree (max relative difference).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np

from avhubert_bench_common import FIXTURE, alternate, fixture_checkpoint, parse_args


def main() -> None:
    args = parse_args(__doc__.splitlines()[0], lambda ap: ap.add_argument(
        "--frontend", action="store_true", help="time the video front-end batching instead"))
    import torch

    from talkbench_avhubert.beam import beam_search, beam_search_batch, source_length
    from talkbench_avhubert.checkpoint import load_checkpoint

    d = FIXTURE
    tmp = Path(tempfile.mkdtemp(prefix="bench_beam."))
    try:
        model = load_checkpoint(fixture_checkpoint(tmp)).build_seq2seq().eval()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    inputs = np.load(d / "avhubert_inputs.npz")
    video = torch.from_numpy(inputs["video_normalized_THW1"])[..., 0][None, None].contiguous()
    T = video.shape[2]
    lengths = [T - (i * (T // 2)) // max(1, args.batch - 1) for i in range(args.batch)]
    if args.frontend:
        return frontend(model, video, lengths, args)
    encs, masks, srcs = [], [], []
    with torch.no_grad():
        for t in lengths:
            m = torch.zeros(1, t, dtype=torch.bool)
            v = video[:, :, :t].contiguous()
            e, m = model.encode(None, v, m)
            encs.append(e), masks.append(m), srcs.append(source_length(None, v, m))
    cfg = model.cfg
    opts = dict(eos=cfg.eos_idx, pad=cfg.pad_idx, unk=cfg.unk_idx, beam=args.beam, max_len_a=1.0, max_len_b=0)

    def per_clip():
        return [beam_search(model.decoder, e, m, s, **opts) for e, m, s in zip(encs, masks, srcs)]

    def batched():
        return beam_search_batch(model.decoder, encs, masks, srcs, **opts)

    load_before = os.getloadavg()
    cost, res = alternate(per_clip, batched, args.rounds)
    got, ref = res["batched"], res["per_clip"]
    same = all([h["tokens"].tolist() for h in a] == [h["tokens"].tolist() for h in b] for a, b in zip(got, ref))
    n = args.batch * args.rounds
    print(json.dumps({
        "bench": "wer_beam_batch", "batch": args.batch, "beam": args.beam, "clip_frames": lengths,
        "per_clip_clips_per_s": round(n / cost["per_clip"][0], 3), "batched_clips_per_s": round(n / cost["batched"][0], 3),
        "ratio_wall": round(cost["per_clip"][0] / cost["batched"][0], 2),
        "ratio_cpu": round(cost["per_clip"][1] / cost["batched"][1], 2),
        "same_hypotheses": same, "threads": args.threads, "model": "calibration tiny seq2seq",
        "loadavg_before": load_before, "loadavg_after": os.getloadavg(), "cpus": os.cpu_count(),
    }))


def frontend(model, video, lengths, args) -> None:
    import torch

    from talkbench_avhubert.beam import video_features_batch

    inputs = [{"video": video[:, :, :t].contiguous(), "padding_mask": torch.zeros(1, t, dtype=torch.bool)}
              for t in lengths]

    def per_clip():
        return [model.encode(None, x["video"], x["padding_mask"])[0] for x in inputs]

    def batched():
        feats = video_features_batch(model, inputs)
        return [model.encode(None, x["video"], x["padding_mask"], video_feats=f)[0] for x, f in zip(inputs, feats)]

    with torch.no_grad():
        load_before = os.getloadavg()
        cost, res = alternate(per_clip, batched, args.rounds)
    err = max(float((a - b).abs().max() / b.abs().max()) for a, b in zip(res["batched"], res["per_clip"]))
    n = args.batch * args.rounds
    print(json.dumps({
        "bench": "wer_frontend_batch", "batch": args.batch, "clip_frames": lengths,
        "per_clip_clips_per_s": round(n / cost["per_clip"][0], 3), "batched_clips_per_s": round(n / cost["batched"][0], 3),
        "ratio_wall": round(cost["per_clip"][0] / cost["batched"][0], 2),
        "ratio_cpu": round(cost["per_clip"][1] / cost["batched"][1], 2),
        "encoder_out_max_rel_diff": float(f"{err:.2g}"), "threads": args.threads, "model": "calibration tiny seq2seq",
        "loadavg_before": load_before, "loadavg_after": os.getloadavg(), "cpus": os.cpu_count(),
    }))


if __name__ == "__main__":
    main()
