#!/usr/bin/env bash
# GPU throughput: the Table 1 metric set (PSNR SSIM LPIPS LSE-C LSE-D WER) on ground-truth clips
# and SyncDiff sampling + the same metrics, on one device; prints one JSON line per stage with
# clips/s and frames/s (from the run record's duration_s and the generated videos' frame counts).
#
#   benchmarks/bench_gpu.sh [--dataset lrs3] [--limit 32] [--device cuda] [--checkpoint DIR]
#                           [--syncdiff-options "steps=20"] [--out DIR] [--dry-run]
#
# Needs the datasets and weights a Table 1 run needs (talkbench datasets / talkbench weights).
# --dry-run: CPU, the embedded demo dataset, 1 clip, metrics without downloadable weights
# (psnr,ssim) and a freshly initialised tiny SyncDiff: checks the script end to end on any machine.
set -euo pipefail

dataset=lrs3; limit=32; device=cuda; checkpoint=""; sd_options="steps=20"; out=""; dry=0
metrics="psnr,ssim,lpips,lse_c,lse_d,wer"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --dataset) dataset="$2"; shift 2;;
    --limit) limit="$2"; shift 2;;
    --device) device="$2"; shift 2;;
    --checkpoint) checkpoint="$2"; shift 2;;
    --syncdiff-options) sd_options="$2"; shift 2;;
    --out) out="$2"; shift 2;;
    --dry-run) dry=1; shift;;
    -h|--help) sed -n '2,13p' "$0"; exit 0;;
    *) echo "bench_gpu.sh: unknown argument $1 (see --help)" >&2; exit 2;;
  esac
done
if [[ $dry == 1 ]]; then
  dataset=demo; limit=1; device=cpu; metrics="psnr,ssim"
fi
out="${out:-$(mktemp -d -t bench_gpu.XXXXXX)}"
talkbench="${TALKBENCH:-talkbench}"

report() {  # stage name, results dir: one JSON line from the newest record under it
  python - "$1" "$2" "$device" <<'PY'
import json, sys
from pathlib import Path
from talkbench import probe
from talkbench.records import load_records
stage, root, device = sys.argv[1], Path(sys.argv[2]), sys.argv[3]
rec = load_records(root)[0]
run_dir = Path(rec["_path"]).parent
n = rec["dataset"]["n_clips"] - rec.get("n_failed_clips", 0)
frames = sum(int(probe(p).get("frames") or 0) for p in run_dir.rglob("*.mp4"))
dur = float(rec["duration_s"])
print(json.dumps({"bench": "gpu", "stage": stage, "device": device, "model": rec["model"]["name"],
                  "dataset": rec["dataset"]["name"], "clips": n, "failed": rec.get("n_failed_clips", 0),
                  "duration_s": round(dur, 2), "clips_per_s": round(n / dur, 4) if dur else None,
                  "frames_per_s": round(frames / dur, 2) if dur and frames else None,
                  "metrics": sorted(rec["metrics"]), "threads": rec["environment"].get("threads"),
                  "gpu": (rec["environment"].get("cuda") or {}).get("devices")}))
PY
}

# 1. metrics alone: ground truth through the full scoring path
"$talkbench" run --model gt --dataset "$dataset" --limit "$limit" --metrics "$metrics" \
  --device "$device" --out "$out/metrics" -q
report metrics "$out/metrics"

# 2. SyncDiff sampling (+ the same metrics)
sd_args=(--model syncdiff --dataset "$dataset" --limit "$limit" --metrics "$metrics" --device "$device" -q)
for kv in $sd_options; do sd_args+=(-o "$kv"); done
if [[ $dry == 1 ]]; then
  # a freshly initialised tiny checkpoint: cost only, the numbers mean nothing
  checkpoint="$out/syncdiff_tiny"
  python - "$checkpoint" <<'PY'
import sys, torch
from syncdiff_model.config import load_preset
from syncdiff_model.model import SyncDiffModel
torch.manual_seed(0)
from syncdiff_model.checkpoint import write_model_dir
m = SyncDiffModel(load_preset("tiny"))
write_model_dir(sys.argv[1], m.config, m.state_dict())
PY
  sd_args+=(-o steps=2)
fi
[[ -n $checkpoint ]] && sd_args+=(--checkpoint "$checkpoint")
"$talkbench" run "${sd_args[@]}" --out "$out/syncdiff"
report syncdiff "$out/syncdiff"
