"""Reporting commands: ``table``, ``sweep``, ``figure``, ``report`` (registered via the hook)."""

from __future__ import annotations

import itertools
from pathlib import Path

import click

from talkbench.cli.common import (
    dataset_options, options_dict, parse_metric_options, parse_weights, resolve_protocol, scoring_options,
    split_list, workers_option,
)
from talkbench.errors import OptionError, TalkbenchError


def _records(results: str) -> list[dict]:
    from talkbench.reports import load_records

    if not Path(results).is_dir():
        raise TalkbenchError(f"{results}: no such results directory; pass --results DIR (where `talkbench run --out` wrote)")
    return load_records(results)


@click.command(epilog="""\b
Examples:
  talkbench table                                   # Table 1 layout, LaTeX, latest run per model
  talkbench table --paper --format markdown         # with the published rows (marked †)
  talkbench table --delta --datasets lrs2           # ours − published
  talkbench table --layout ablation --by reference  # Tables 2/3/5/6 style
  talkbench table --json > table.json
  talkbench table --ci --format markdown            # value ± 95% bootstrap half-width
""")
@click.option("--results", default="results", show_default=True, type=click.Path(), help="results directory")
@click.option("--format", "fmt", default="latex", show_default=True,
              type=click.Choice(["latex", "markdown", "csv", "json"]))
@click.option("--layout", default="table1", show_default=True, type=click.Choice(["table1", "simple", "ablation"]))
@click.option("--datasets", multiple=True, help="comma-separated dataset names (default: all with runs)")
@click.option("--metrics", multiple=True, help="comma-separated metric names (default: the paper's six)")
@click.option("--models", multiple=True, help="comma-separated row keys / model names (default: all)")
@click.option("--split", default=None, help="split (default: test where it has runs)")
@click.option("--by", default=None, metavar="OPTION", help="ablation layout: group runs by this model option")
@click.option("--paper", is_flag=True, help="add the published rows of results/paper (marked †)")
@click.option("--delta", is_flag=True, help="show ours − published instead of values")
@click.option("--all-runs", is_flag=True, help="one row per run instead of the latest per model")
@click.option("--caption", default=None)
@click.option("--label", default=None, help="LaTeX \\label")
@click.option("--standalone", is_flag=True, help="a full LaTeX document (compiles on its own)")
@click.option("--json", "as_json", is_flag=True, help="shorthand for --format json")
@click.option("--ci", "ci", is_flag=True, help="add 95% bootstrap intervals over clips (value ± half-width)")
@click.option("--ci-style", default="pm", show_default=True, type=click.Choice(["pm", "interval"]),
              help="with --ci: pm = value ± half-width, interval = value [lo, hi]")
def table(results, fmt, layout, datasets, metrics, models, split, by, paper, delta, all_runs, caption, label,
          standalone, as_json, ci, ci_style):
    """Print a paper-style table from the run records under --results.

    Rows are models (GT rows first, not ranked), column groups datasets; best in bold, second
    best in bold violet; N/A where a run or metric is missing or unavailable.
    """
    from talkbench.reports import render_table

    if by and layout == "table1":
        layout = "ablation"  # --by alone means an ablation table
    records = _records(results)
    # the footnotes say what is missing; where to put a file and its URL are for this terminal
    for reason in dict.fromkeys(m.get("reason") for r in records for m in (r.get("metrics") or {}).values()
                                if isinstance(m, dict) and m.get("status") == "unavailable" and m.get("reason")):
        click.secho(f"talkbench: {reason}", fg="yellow", err=True)
    click.echo(render_table(
        records, "json" if as_json else fmt, datasets=split_list(datasets), metrics=split_list(metrics),
        models=split_list(models), layout=layout, by=by, paper=paper, delta=delta, caption=caption, label=label,
        split=split, latest=not all_runs, standalone=standalone, ci=ci_style if ci else None,
    ), nl=False)


def parse_grid(items) -> list[dict[str, str]]:
    """``("reference=rnd,prv", "num_prev=1,5")`` -> the 4 combinations, in order."""
    axes = []
    for item in items:
        key, sep, values = item.partition("=")
        vals = [v.strip() for v in values.split(",") if v.strip()]
        if not sep or not key.strip() or not vals:
            raise OptionError(f"--grid {item!r} must look like OPTION=V1,V2 (e.g. reference=rnd,prv)")
        axes.append([(key.strip(), v) for v in vals])
    return [dict(combo) for combo in itertools.product(*axes)]


@click.command(epilog="""\b
Examples:
  talkbench sweep --model syncdiff --dataset demo --grid reference=rnd,prv,prv-,rnd+prv- --metrics psnr,ssim
  talkbench sweep --model syncdiff --dataset lrs2 --grid num_prev=1,5,10 --checkpoint ckpt/
  talkbench sweep --model syncdiff --dataset demo --grid steps=10,20 --workers 2   # one process per core
  talkbench table --layout ablation --by reference     # then print the ablation table
""")
@click.option("--model", required=True, help="generator name")
@dataset_options
@click.option("--grid", multiple=True, required=True, metavar="OPTION=V1,V2", help="values of one option, repeatable")
@click.option("--option", "-o", "option", multiple=True, metavar="K=V", help="fixed generator option, repeatable")
@click.option("--checkpoint", default=None, type=click.Path())
@click.option("--seed", default=0, show_default=True, type=int)
@scoring_options
@workers_option
def sweep(model, dataset, split, limit, dataset_option, data_root, grid, option, checkpoint, seed, metrics,
          metric_option, protocol, weights, device, out, label, quiet, workers):
    """Run MODEL once per combination of --grid values (each run resumes if already done).

    Then prints the ablation table of these runs (one option: by that option).
    """
    from talkbench.reports import load_records, render_table
    from talkbench.runner import run_benchmark

    combos = parse_grid(grid)
    base = options_dict(option)
    preset = resolve_protocol(protocol)
    done, failed = [], []
    for i, combo in enumerate(combos, 1):
        desc = " ".join(f"{k}={v}" for k, v in combo.items())
        click.echo(f"sweep {i}/{len(combos)}: {model} {desc}")
        try:
            run_dir = run_benchmark(
                model, dataset, split=split, limit=limit, metrics=split_list(metrics), options=base | combo,
                metric_options=parse_metric_options(metric_option), checkpoint=checkpoint,
                weights=parse_weights(weights), device=device, seed=seed, out=out, data_root=data_root,
                label=label, progress=not quiet, dataset_options=options_dict(dataset_option), protocol=preset,
                workers=workers)
            done.append(Path(run_dir).name)
        except TalkbenchError as exc:  # one bad combination does not lose the others
            click.secho(f"sweep {desc}: failed: {exc}", fg="red", err=True)
            failed.append(desc)
    recs = [r for r in load_records(out) if r.get("run_dir") in done]
    keys = list(dict.fromkeys(k for c in combos for k in c))
    if recs:
        click.echo(render_table(recs, "markdown", layout="ablation", by=keys[0], metrics=split_list(metrics)))
    if failed:
        raise TalkbenchError(f"{len(failed)} of {len(combos)} sweep runs failed: {'; '.join(failed)}")


@click.command(epilog="""\b
Examples:
  talkbench figure --results results --clips spk00_000,spk01_000 --frames 10,20,30 --out fig.png
  talkbench figure --clips spk00_000 --frames 5,15 --models static,syncdiff --tile 128 --out fig.png
""")
@click.option("--results", default="results", show_default=True, type=click.Path())
@click.option("--clips", required=True, help="comma-separated clip ids")
@click.option("--frames", required=True, help="comma-separated frame indices")
@click.option("--models", multiple=True, help="comma-separated models (default: every run with videos)")
@click.option("--dataset", default=None, help="dataset (default: that of the latest run)")
@click.option("--tile", default=160, show_default=True, type=int, help="pixel size of one frame")
@click.option("--no-zoom", is_flag=True, help="leave out the mouth-region zoom rows")
@click.option("--out", required=True, type=click.Path(), help="PNG to write")
def figure(results, clips, frames, models, dataset, tile, no_zoom, out):
    """A PNG strip like the paper's Figure 2: GT and each model, chosen frames, mouth zooms."""
    from talkbench.reports.figure import render_figure

    try:
        frame_list = [int(f) for f in split_list([frames]) or []]
    except ValueError:
        raise OptionError(f"--frames {frames!r} must be comma-separated integers, e.g. 10,20,30") from None
    layout = render_figure(_records(results), split_list([clips]) or [], frame_list, out,
                           models=split_list(models), dataset=dataset, tile=tile, zoom=not no_zoom)
    for miss in layout.missing:
        click.secho(f"talkbench: no video for {miss} (grey tile)", fg="yellow", err=True)
    click.echo(f"wrote {out} ({layout.size[0]}×{layout.size[1]})")


@click.command(epilog="""\b
Examples:
  talkbench report --results results --out report/
  talkbench report --paper --clips spk00_000 --frames 10,30,50 --out report/
  talkbench report --html report_html/                  # leaderboard, per-clip table, side-by-side videos
  talkbench report --html report_html/ --copy-media     # a folder that works when moved
""")
@click.option("--results", default="results", show_default=True, type=click.Path())
@click.option("--out", default=None, type=click.Path(), help="report directory (replaced atomically)")
@click.option("--html", "html_out", default=None, type=click.Path(),
              help="also (or only) write the HTML report to this directory (open its index.html)")
@click.option("--copy-media", is_flag=True, help="HTML: copy the videos into the report instead of linking them")
@click.option("--resamples", default=1000, show_default=True, type=click.IntRange(100),
              help="HTML: bootstrap resamples / permutations for the intervals and tests")
@click.option("--seed", default=0, show_default=True, type=int, help="HTML: bootstrap seed")
@click.option("--strips", default=8, show_default=True, type=click.IntRange(0),
              help="HTML: figure strips for this many worst clips per dataset")
@click.option("--paper", is_flag=True, help="include the published rows in the tables")
@click.option("--clips", default=None, help="clips for the figure (default: the first two)")
@click.option("--frames", default=None, help="frames for the figure (default: 5,25,45)")
@click.option("--models", multiple=True, help="comma-separated models (default: all)")
@click.option("--datasets", multiple=True, help="comma-separated datasets (default: all with runs)")
@click.option("--no-figure", is_flag=True)
def report(results, out, html_out, copy_media, resamples, seed, strips, paper, clips, frames, models, datasets,
           no_figure):
    """Write tables (LaTeX/Markdown/CSV/JSON), a figure and copies of the records behind every number.

    With --html: a static HTML report (leaderboard with 95% CIs, run cards, per-clip table,
    side-by-side videos, stats.json) that opens from disk.
    """
    if not out and not html_out:
        raise OptionError("report needs --out DIR (tables) and/or --html DIR (HTML report)")
    if out:
        from talkbench.reports.report import write_report

        frame_list = [int(f) for f in split_list([frames])] if frames else None
        path = write_report(_records(results), out, paper=paper, clips=split_list([clips]) if clips else None,
                            frames=frame_list, models=split_list(models), datasets=split_list(datasets),
                            figure=not no_figure)
        click.echo(f"wrote {path} (see {Path(path) / 'README.md'})")
    if html_out:
        from talkbench.reports.html import write_html_report

        index = write_html_report(_records(results), html_out, paper=paper, models=split_list(models),
                                  datasets=split_list(datasets), copy_media=copy_media, n_resamples=resamples,
                                  seed=seed, strips=strips)
        click.echo(f"wrote {index}")


COMMANDS = (table, sweep, figure, report)
