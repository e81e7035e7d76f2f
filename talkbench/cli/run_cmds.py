"""Commands that do work: run, evaluate, merge, demo, train."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from talkbench.cli.common import (
    EXIT_INCOMPLETE, dataset_options, failure_options, optional_dataset_options, options_dict,
    parse_metric_options, parse_weights, profile_option, profiled, resolve_protocol, scoring_options, split_list,
    workers_option,
)
from talkbench.errors import TalkbenchError

DEMO_METRICS = ["psnr", "ssim", "lpips", "lse_c", "lse_d", "csim_dlib", "lmd", "cpbd"]
#: dlib's descriptor costs ~0.1 CPU-s a frame: the demo scores every 5th (its footnote says so)
DEMO_METRIC_OPTIONS = {"csim_dlib": {"frame_stride": 5}}


def print_summary(run_dir: Path) -> dict | None:
    """The run's metrics, one line each, how many clips were scored, and where the record is
    (main process only). Returns the record (None when this process wrote none)."""
    path = Path(run_dir) / "record.json"
    if not path.is_file():
        return None
    rec = json.loads(path.read_text())
    click.echo(f"{rec['model']['name']} on {rec['dataset']['name']}/{rec['dataset']['split']} "
               f"({rec['dataset']['n_clips']} clips, {rec['n_failed_clips']} with failures)")
    prov = rec.get("protocol")
    if isinstance(prov, dict) and prov.get("name"):
        over = ", ".join(f"{k}={v['used']}" for k, v in (prov.get("overridden") or {}).items())
        click.echo(f"protocol preset {prov['name']} v{prov['version']}" + (f"; overridden: {over}" if over else "")
                   + (f"; not in this run: {', '.join(prov['not_in_run'])}" if prov.get("not_in_run") else ""))
    for name, m in rec["metrics"].items():
        arrow = "↑" if m["higher_is_better"] else "↓"
        if m["status"] == "ok" and m["value"] is not None:
            click.echo(f"  {name:<8} {arrow} {m['value']:.4f}  (n={m['n']})")
        elif m["status"] == "ok" and m.get("n"):  # scored, but undefined (PSNR of GT: the paper's N/A)
            click.echo(f"  {name:<8} {arrow} N/A  ({m.get('reason') or 'undefined'}; n={m['n']})")
        else:
            click.echo(f"  {name:<8} {arrow} unavailable: {m.get('reason') or 'no clip scored'}")
    for f in rec["failures"][:10]:
        click.echo(f"  failure {f['clip_id']} [{f['stage']}]: {f['reason']}")
    if len(rec["failures"]) > 10:
        click.echo(f"  ... {len(rec['failures']) - 10} more failures in {path}")
    cov = rec.get("coverage")
    if cov:
        line = f"scored {cov['scored_clips']} of {cov['clips']} clips"
        if cov["failed_clips"]:
            line += f"; {len(cov['failed_clips'])} failed: see {path}"
        split_size = cov.get("split_size")
        if split_size and split_size > cov["clips"]:
            line += f" (the split holds {split_size})"
        click.secho(line, fg="yellow" if cov["failed_clips"] else None)
    click.echo(f"record: {path}")
    return rec


def is_incomplete(rec: dict | None) -> bool:
    """The record says some clip was not scored by every available metric."""
    cov = (rec or {}).get("coverage") or {}
    return bool(cov) and not cov.get("complete", True)


def exit_status(rec: dict | None, allow_failures: bool) -> None:
    """Exit EXIT_INCOMPLETE when the record says some clip was not scored by every available
    metric (unless --allow-failures); a process that wrote no record (a shard) exits 0."""
    exit_status_all([rec], allow_failures)


def exit_status_all(records: list[dict | None], allow_failures: bool) -> None:
    """``exit_status`` for a command that writes several records (merge of many runs, demo):
    EXIT_INCOMPLETE when any of them is incomplete; with more than one, the incomplete runs
    are named on stderr, so the one status does not hide which run it is about."""
    bad = [r for r in records if is_incomplete(r)]
    if not bad or allow_failures:
        return
    if len(records) > 1:
        click.secho(f"talkbench: {len(bad)} of {len(records)} runs incomplete (exit {EXIT_INCOMPLETE}; "
                    "--allow-failures exits 0): " + ", ".join(str(r.get("run_dir")) for r in bad),
                    fg="yellow", err=True)
    sys.exit(EXIT_INCOMPLETE)


@click.command(epilog="""\b
Examples:
  talkbench run --model static --dataset demo --limit 4 --metrics psnr,ssim
  talkbench run --model syncdiff --dataset lrs3 --checkpoint ckpt/ --option steps=50
  talkbench run --model wav2lip --dataset lrs2 --weights wav2lip=~/wav2lip_gan.pth --device cuda
  talkbench run --model wav2lip --dataset lrs2 --protocol syncdiff-table1   # the paper's Table 1 protocol
  torchrun --nproc_per_node 4 -m talkbench.cli run --model syncdiff --dataset lrs3   # sharded
  talkbench run --model gt --dataset lrs3 --shard 0/8                                # array job 0 of 8
  talkbench run --model static --dataset demo --workers 2                             # one process per core
""")
@click.option("--model", required=True, help="generator name (talkbench models)")
@dataset_options
@click.option("--option", "-o", "option", multiple=True, metavar="K=V", help="generator option, repeatable")
@click.option("--checkpoint", default=None, type=click.Path(), help="generator checkpoint file or directory")
@click.option("--seed", default=0, show_default=True, type=int)
@click.option("--shard", default=None, metavar="I/N", help="this process's share of the clips (array jobs)")
@click.option("--score-from", "score_from", default="lossless", show_default=True,
              type=click.Choice(["lossless", "encoded"]),
              help="lossless: score the frames the model returned; encoded: the H.264 mp4 (reference repos' lossy path)")
@scoring_options
@workers_option
@failure_options
@profile_option
def run(model, dataset, split, limit, dataset_option, data_root, option, checkpoint, seed, shard, score_from,
        metrics, metric_option, protocol, weights, device, out, label, quiet, workers, allow_failures, profile):
    """Generate every clip of a split with MODEL, score it, and write a run record.

    Re-running the same command resumes: finished clips are neither regenerated nor rescored.
    Exit status: 0 when every clip was scored by every available metric, 2 on bad input,
    3 when some clips failed (the record is still written; --allow-failures exits 0).
    """
    from talkbench.distributed import env_shard
    from talkbench.runner import run_benchmark

    preset = resolve_protocol(protocol)
    run_dir = profiled(profile, lambda: run_benchmark(
        model, dataset, split=split, limit=limit, metrics=split_list(metrics), options=options_dict(option),
        metric_options=parse_metric_options(metric_option), checkpoint=checkpoint,
        weights=parse_weights(weights), device=device, seed=seed, out=out, data_root=data_root, shard=shard,
        label=label, progress=not quiet, dataset_options=options_dict(dataset_option), score_from=score_from,
        protocol=preset, workers=workers,
    ))
    if env_shard().is_main:
        exit_status(print_summary(run_dir), allow_failures)


@click.command(epilog="""\b
Examples:
  talkbench evaluate --videos sadtalker_out/ --dataset lrs3 --metrics lse_c,lse_d --label SadTalker
  talkbench evaluate --videos my_videos/ --dataset demo --metrics psnr,ssim
  talkbench evaluate --videos clips/ --metrics lse_c,lse_d --weights syncnet=syncnet_v2.model
  talkbench evaluate --videos clips/ --protocol lrs --metric-option syncnet.vshift=10
  talkbench evaluate --videos out/ --reference originals/ --metrics psnr,ssim
  talkbench evaluate --videos clips/ --metrics lse_c,lse_d --workers 2   # one process per core
""")
@click.option("--videos", required=True, type=click.Path(), help="folder of videos named <clip_id>.mp4")
@click.option("--reference", default=None, type=click.Path(),
              help="folder of reference videos with the same names (instead of --dataset)")
@optional_dataset_options
@scoring_options
@workers_option
@failure_options
@profile_option
def evaluate(videos, reference, dataset, split, limit, dataset_option, data_root, metrics, metric_option, protocol,
             weights, device, out, label, quiet, workers, allow_failures, profile):
    """Score videos made by another tool against a dataset's clips (matched by clip id = file stem).

    Files that match no clip and clips without a video are listed, never ignored. Without
    --dataset or --reference only metrics that need no reference video are scored (LSE-C/D,
    WER with transcripts).
    """
    from talkbench.cli.evaluate_refs import folder_has_transcripts, resolve_evaluate_source
    from talkbench.plugins import get_metrics
    from talkbench.runner import evaluate_videos

    preset = resolve_protocol(protocol)
    src = resolve_evaluate_source(videos, dataset, data_root, reference, split_list(metrics), get_metrics(),
                                  has_transcripts=folder_has_transcripts)
    if src.skipped_line():
        click.secho(src.skipped_line(), fg="yellow", err=True)
    dataset, data_root = src.dataset, src.data_root
    run_dir, match = profiled(profile, lambda: evaluate_videos(
        videos, dataset, split=split, limit=limit, metrics=src.metrics,
        metric_options=parse_metric_options(metric_option), weights=parse_weights(weights), device=device,
        out=out, data_root=data_root, label=label, progress=not quiet, dataset_options=options_dict(dataset_option),
        protocol=preset, workers=workers,
    ))
    if match.unmatched_files:
        click.secho(f"{len(match.unmatched_files)} file(s) match no clip of {dataset}: "
                    + ", ".join(match.unmatched_files), fg="yellow", err=True)
    if match.clips_without_video:
        click.secho(f"{len(match.clips_without_video)} clip(s) have no video: "
                    + ", ".join(match.clips_without_video), fg="yellow", err=True)
    exit_status(print_summary(run_dir), allow_failures)


@click.command(epilog="""\b
Examples:
  talkbench merge results/runs/syncdiff-lrs3-test-0123456789ab
  talkbench merge results/runs/*-lrs3-test-*
""")
@click.argument("run_dirs", nargs=-1, required=True, type=click.Path(exists=True, file_okay=False))
@failure_options
def merge(run_dirs, allow_failures):
    """Merge the per-clip results of sharded runs (--shard i/N jobs) into each run's record.

    Exit status: 0 when every merged run scored every clip by every available metric, 2 on bad
    input (e.g. a shard not finished yet), 3 when some clips of a merged run failed (every
    record is still written; --allow-failures exits 0).
    """
    from talkbench.runner import merge_run

    records = [print_summary(merge_run(d)) for d in run_dirs]
    exit_status_all(records, allow_failures)


@click.command(epilog="""\b
Examples:
  talkbench demo
  talkbench demo --limit 4 --format markdown
""")
@click.option("--limit", type=int, default=None, help="only the first N demo clips")
@click.option("--out", default="results", show_default=True, type=click.Path())
@click.option("--format", "fmt", default="latex", show_default=True, type=click.Choice(["latex", "markdown", "csv"]))
@click.option("--device", default="auto", show_default=True)
@click.option("--quiet", "-q", is_flag=True, help="no progress bars")
@failure_options
def demo(limit, out, fmt, device, quiet, allow_failures):
    """Run gt and static on the embedded demo dataset, score them, print a table and write the
    HTML report to OUT/report/ (its index.html path is printed last).

    Metrics: psnr, ssim, lpips, lse_c, lse_d (SyncNet with the demo net), csim_dlib (every 5th
    frame), lmd and cpbd (dlib landmarks, offline); a metric that cannot
    run here (e.g. LPIPS offline without its AlexNet file) is shown as unavailable.
    Exit status: 0 when both runs scored every clip by every available metric, 3 when some
    clips failed (the records, table and report are still written; --allow-failures exits 0).
    """
    from talkbench.plugins import get_metrics
    from talkbench.records import load_records
    from talkbench.reports import render_table
    from talkbench.runner import run_benchmark

    installed = get_metrics()
    names = [m for m in DEMO_METRICS if m in installed]
    for m in sorted(set(DEMO_METRICS) - set(names)):
        click.secho(f"talkbench: metric {m} is not installed; the table shows it as N/A", fg="yellow", err=True)
    from talkbench.progress import announce

    run_dirs, summaries = [], []
    announce("demo: gt and static on the built-in synthetic demo dataset (built once, then cached); "
             f"metrics {', '.join(names)}; LSE with the demo SyncNet, not the official weights", enabled=not quiet)
    for i, model in enumerate(("gt", "static"), 1):
        announce(f"demo {i}/2: generating and scoring {model}", enabled=not quiet)
        run_dirs.append(run_benchmark(model, "demo", limit=limit, metrics=names,
                                      metric_options={m: o for m, o in DEMO_METRIC_OPTIONS.items() if m in names},
                                      device=device, out=out, progress=not quiet))
        summaries.append(print_summary(run_dirs[-1]))
    wanted = {d.name for d in run_dirs}
    records = [r for r in load_records(out) if r.get("run_dir") in wanted]
    click.echo(render_table(records, fmt=fmt, metrics=DEMO_METRICS))
    from talkbench.reports.html import write_html_report

    index = write_html_report(records, Path(out) / "report", strips=2)
    click.echo(f"HTML report (leaderboard, per-clip table, side-by-side videos): {index}")
    exit_status_all(summaries, allow_failures)  # last: a failed clip must not hide the table


@click.command(epilog="""\b
Examples:
  talkbench train --model syncnet --dataset demo --preset tiny --max-steps 200 --out runs/syncnet
  talkbench train --model syncdiff --dataset lrs2 --preset paper --option lr=5e-5 --resume --device cuda
""")
@click.option("--model", required=True, help="trainer name = model name (syncnet, syncdiff, difftalk)")
@click.option("--dataset", "-d", required=True, help="dataset name (talkbench datasets)")
@click.option("--split", default=None, help="split (default: train if the dataset has one)")
@click.option("--dataset-option", "dataset_option", multiple=True, metavar="K=V", help="dataset option, repeatable")
@click.option("--data-root", default=None, type=click.Path(), help="dataset root (env TALKBENCH_DATA)")
@click.option("--preset", default=None, help="the trainer's named option set (e.g. tiny, paper)")
@click.option("--option", "-o", "option", multiple=True, metavar="K=V", help="override one option, repeatable")
@click.option("--out", default=None, type=click.Path(), help="output directory (default checkpoints/<model>)")
@click.option("--resume", is_flag=True, help="continue from the last checkpoint in --out")
@click.option("--device", default="auto", show_default=True)
@click.option("--seed", default=0, show_default=True, type=int)
@click.option("--max-steps", type=int, default=None, help="stop after N optimisation steps")
def train(model, dataset, split, dataset_option, data_root, preset, option, out, resume, device, seed, max_steps):
    """Train MODEL on a dataset with a preset and option overrides; checkpoints go to --out."""
    import random

    import numpy as np
    import torch

    from talkbench.device import resolve_device
    from talkbench.plugins import get_trainer
    from talkbench.runner.plan import make_dataset

    trainer_cls = get_trainer(model)
    preset = preset or trainer_cls.default_preset
    if preset is not None and preset not in trainer_cls.presets:
        raise TalkbenchError(f"trainer {model} has no preset {preset!r}; presets: {', '.join(trainer_cls.presets) or 'none'}")
    opts = dict(trainer_cls.presets.get(preset, {})) if preset else {}
    opts.update(options_dict(option))
    trainer = trainer_cls(**opts)
    ds, _ = make_dataset(dataset, data_root, options_dict(dataset_option))
    split = split or ("train" if "train" in ds.splits else ds.default_split)
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    out_dir = Path(out or Path("checkpoints") / model)
    out_dir.mkdir(parents=True, exist_ok=True)
    final = trainer.train(ds, split=split, out_dir=out_dir, device=resolve_device(device), seed=seed,
                          resume=resume, max_steps=max_steps)
    click.echo(f"checkpoint: {final}")


COMMANDS = [run, evaluate, merge, demo, train]

