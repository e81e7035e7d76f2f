"""The ``talkbench prepare`` click command (added through the register_commands hook)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from talkbench.cli.common import EXIT_INCOMPLETE, failure_options
from talkbench.datasets.prepare import CROP_KINDS, run_prepare
from talkbench.datasets.prepare_geometry import CROP_GEOMETRY, parse_geometry
from talkbench.faces.pipeline import BACKEND_CHOICES, DEFAULT_DETECT_MAX_SIDE
from talkbench.faces.track_cleanup import NO_FACE_POLICIES


def _default_out() -> Path:
    from talkbench.hashing import talkbench_home

    return talkbench_home() / "prepared"


@click.command("prepare")
@click.option("--dataset", required=True, help="dataset name (lrs2, lrs3, folder, demo...)")
@click.option("--data-root", default=None, help="dataset root (default: $TALKBENCH_DATA)")
@click.option("--split", default=None, help="split (default: the dataset's default, usually test)")
@click.option("--backend", type=click.Choice(BACKEND_CHOICES), default="auto", show_default=True,
              help="landmarks: auto = given, else fan if its weights are present, else dlib")
@click.option("--no-face", "no_face", type=click.Choice(NO_FACE_POLICIES), default="previous",
              show_default=True, help="frames without a face: skip, previous box, or centre box")
@click.option("--smooth", default=5, show_default=True, help="box smoothing window (frames)")
@click.option("--crops", default="syncdiff", show_default=True,
              help=f"comma list of crop kinds to write: {', '.join(CROP_KINDS)}")
@click.option("--geometry", "geometry", multiple=True, metavar="KIND.NAME=VALUE",
              help="crop geometry, repeatable (e.g. wav2lip.pads=0,20,0,0, syncdiff.size=128); defaults: "
                   + "; ".join(f"{k}: " + ", ".join(f"{n}={','.join(map(str, v)) if isinstance(v, tuple) else v}"
                                                   for n, v in g.items()) for k, g in CROP_GEOMETRY.items()))
@click.option("--workers", default=1, show_default=True, help="worker processes")
@click.option("--limit", type=int, default=None, help="only the first N clips")
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="output folder (default: $TALKBENCH_HOME/prepared)")
@click.option("--device", default="cpu", show_default=True, help="device for the fan backend")
@click.option("--detect-max-side", default=DEFAULT_DETECT_MAX_SIDE, show_default=True,
              help="frames are shrunk to this longer side for detection (landmarks at full size)")
@click.option("--force", is_flag=True, help="redo clips that are already prepared")
@click.option("--json", "as_json", is_flag=True, help="print the summary as JSON")
@failure_options
def prepare(dataset, data_root, split, backend, no_face, smooth, crops, geometry, workers, limit, out,
            device, detect_max_side, force, as_json, allow_failures):
    """Detect and track faces over a dataset split; write landmarks and face crops.

    Resumable: finished clips are skipped, detections are cached in $TALKBENCH_HOME/faces.
    A clip prepared with other options (track settings, crops, --geometry, data root, its
    video's content, the backend's weights) is redone, not reused. Exits 3 if any clip failed
    (the summary lists them; --allow-failures exits 0), as run and evaluate do.

    Example: talkbench prepare --dataset folder --data-root ../shared/realdata/video --workers 2
    """
    from talkbench.device import resolve_device
    from talkbench.errors import TalkbenchError

    kinds = [k.strip() for k in crops.split(",") if k.strip()]
    bad = [k for k in kinds if k not in CROP_KINDS]
    if bad:
        raise click.BadParameter(f"unknown crop kind(s) {', '.join(bad)}; use {', '.join(CROP_KINDS)}")
    try:
        overrides = parse_geometry(geometry)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--geometry") from None
    settings = {"backend": backend, "no_face": no_face, "smooth": smooth, "crops": kinds,
                "device": resolve_device(device), "detect_max_side": detect_max_side, "geometry": overrides}
    try:
        summary = run_prepare(
            dataset, root=data_root, split=split, out=out or _default_out(), settings=settings,
            workers=workers, limit=limit, force=force, progress=not as_json,
        )
    except TalkbenchError as exc:
        click.secho(f"talkbench: error: {exc}", fg="red", err=True)  # the CLI's one-line style
        sys.exit(2)
    if as_json:
        click.echo(json.dumps(summary, default=str))
    else:
        _print_summary(summary)
    sys.exit(EXIT_INCOMPLETE if summary["failed"] and not allow_failures else 0)


def _print_summary(summary: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    console.print(
        f"[bold]{summary['dataset']}/{summary['split']}[/]: {summary['ok']} prepared, "
        f"{summary['skipped']} already done, {len(summary['failed'])} failed "
        f"of {summary['clips']} clips in {summary['seconds']} s → {summary['out']}"
    )
    changed = sorted({k for r in summary["results"] for k in r.get("redone") or ()})
    if changed:  # earlier outputs of these clips were made with other inputs: replaced
        console.print(f"{summary['redone']} clip(s) redone: earlier outputs had other {', '.join(changed)}",
                      markup=False, highlight=False)
    done = [r for r in summary["results"] if r["status"] == "ok"]
    if done:
        table = Table("clip", "backend", "frames", "detected", "cache", "s")
        for r in done:
            table.add_row(r["clip_id"], r.get("backend", ""), str(r.get("frames", "")),
                          str(r.get("found", "")), str(r.get("cache", "")), str(r.get("seconds", "")))
        console.print(table)
    if summary["failed"]:
        # one whole line per failure: a table column would wrap or cut a reason that names a path
        console.print(f"failures ({len(summary['failed'])}):")
        for r in summary["failed"]:
            console.print(f"  {r['clip_id']}: {r.get('error', '')}", soft_wrap=True, markup=False, highlight=False)
