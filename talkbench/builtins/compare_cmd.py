"""``talkbench compare RUN_A RUN_B``: is A's gain over B real? Paired tests on the common clips."""

from __future__ import annotations

import json
from pathlib import Path

import click

from talkbench.cli.common import split_list
from talkbench.errors import TalkbenchError
from talkbench.stats import DEFAULT_RESAMPLES, DEFAULT_SEED


def resolve_run(spec: str, results: str, dataset: str | None) -> dict:
    """A run directory, its record.json, a run directory name under --results, or a row key
    (model name / label: its latest run, on --dataset when it ran on several)."""
    from talkbench.atomic import read_json
    from talkbench.records import load_records
    from talkbench.reports.naming import row_key

    p = Path(spec)
    path = p if p.name == "record.json" else p / "record.json"
    if path.is_file():
        rec = read_json(path)
        if not isinstance(rec, dict):
            raise TalkbenchError(f"{path}: not a run record; run `talkbench merge {path.parent}` to rebuild it")
        return rec | {"_path": str(path)}
    if not Path(results).is_dir():
        raise TalkbenchError(f"{spec}: not a run directory, and --results {results} does not exist")
    recs = load_records(results)
    by_dir = [r for r in recs if r.get("run_dir") == spec]
    if by_dir:
        return by_dir[0]
    by_key = [r for r in recs if spec in (row_key(r), (r.get("model") or {}).get("name"))
              and (dataset is None or r["dataset"]["name"] == dataset)]
    if not by_key:
        raise TalkbenchError(f"{spec}: no run directory, run name or model/label with runs under {results}; "
                             "pass a path such as results/runs/<run>")
    names = {r["dataset"]["name"] for r in by_key}
    if len(names) > 1:
        raise TalkbenchError(f"{spec} has runs on {', '.join(sorted(names))}; pick one with --dataset")
    return by_key[0]  # newest first


def _describe(rec: dict) -> str:
    d = rec["dataset"]
    return f"{rec.get('run_dir')} ({rec['model']['name']}, {d['name']}/{d['split']}, {d.get('n_clips')} clips)"


def format_comparison(rows: list[dict], rec_a: dict, rec_b: dict) -> str:
    from talkbench.reports.naming import decimals

    lines = [f"A: {_describe(rec_a)}", f"B: {_describe(rec_b)}", ""]
    head = f"{'metric':<10}{'':2}{'A':>10}{'B':>10}{'A−B':>10}  {'95% CI of A−B':<22}{'p':>8}  {'n':>5}  better"
    lines.append(head)
    for r in rows:
        arrow = "↑" if r["higher_is_better"] else "↓"
        if r["status"] != "ok":
            lines.append(f"{r['metric']:<10}{arrow:<2}unavailable: {r['reason']}")
            continue
        k = decimals(r["metric"]) + 1  # one digit more than the table: differences are small
        ci = f"[{r['low']:+.{k}f}, {r['high']:+.{k}f}]"
        better = {"a": "A", "b": "B"}.get(r["better"], f"neither (p ≥ {r['alpha']:g})")
        lines.append(f"{r['metric']:<10}{arrow:<2}{r['a']:>10.{k}f}{r['b']:>10.{k}f}{r['diff']:>+10.{k}f}  "
                     f"{ci:<22}{r['p_value']:>8.4f}  {r['n_common']:>5}  {better}")
    first = next((r for r in rows if r["status"] == "ok"), None)
    if first:
        lines += ["", f"Paired over the {first['n_common']} clips both runs scored: {first['method_ci']} "
                  f"({first['n_resamples']} resamples, seed {first['seed']}); p: {first['method_p']}."]
    return "\n".join(lines) + "\n"


@click.command(epilog="""\b
Examples:
  talkbench compare syncdiff wav2lip --dataset lrs3
  talkbench compare results/runs/syncdiff-lrs3-test-0123456789ab results/runs/wav2lip-lrs3-test-ba9876543210
  talkbench compare static gt --metrics psnr,ssim --json
""")
@click.argument("run_a")
@click.argument("run_b")
@click.option("--results", default="results", show_default=True, type=click.Path(), help="results directory")
@click.option("--dataset", default=None, help="when a model name has runs on several datasets")
@click.option("--metrics", multiple=True, help="comma-separated metric names (default: all both runs have)")
@click.option("--resamples", default=DEFAULT_RESAMPLES, show_default=True, type=click.IntRange(100),
              help="bootstrap resamples and permutations")
@click.option("--seed", default=DEFAULT_SEED, show_default=True, type=int)
@click.option("--json", "as_json", is_flag=True, help="the results as JSON")
def compare(run_a, run_b, results, dataset, metrics, resamples, seed, as_json):
    """Paired comparison of two runs per metric on the clips both scored.

    Prints A, B, A − B with its 95% paired-bootstrap interval, the permutation p-value and
    which run is better at p < 0.05 (by the metric's direction).
    """
    from talkbench.stats import compare_runs

    rec_a, rec_b = resolve_run(run_a, results, dataset), resolve_run(run_b, results, dataset)
    da, db = rec_a["dataset"], rec_b["dataset"]
    if (da["name"], da["split"]) != (db["name"], db["split"]):
        raise TalkbenchError(f"the runs are on different data ({da['name']}/{da['split']} vs "
                             f"{db['name']}/{db['split']}); compare runs of one dataset split")
    rows = compare_runs(rec_a, rec_b, metrics=split_list(metrics), n_resamples=resamples, seed=seed)
    if as_json:
        click.echo(json.dumps({"a": rec_a.get("run_dir"), "b": rec_b.get("run_dir"), "tests": rows}, indent=1))
    else:
        click.echo(format_comparison(rows, rec_a, rec_b), nl=False)


COMMANDS = (compare,)
