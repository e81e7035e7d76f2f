"""Flags shared by the commands that run things, and their parsing."""

from __future__ import annotations

from typing import Any, Callable, Iterable

import click

from talkbench.errors import OptionError
from talkbench.options import parse_option_strings


def split_list(values: Iterable[str] | None) -> list[str] | None:
    """``--metrics a,b --metrics c`` → ['a', 'b', 'c'] (None when not given)."""
    out = [v.strip() for item in (values or ()) for v in item.split(",") if v.strip()]
    return out or None


def parse_metric_options(items: Iterable[str]) -> dict[str, dict[str, str]]:
    """``["lse_c.net=demo"]`` → ``{"lse_c": {"net": "demo"}}``."""
    out: dict[str, dict[str, str]] = {}
    for item in items:
        key, sep, value = item.partition("=")
        metric, dot, opt = key.partition(".")
        if not sep or not dot or not metric or not opt:
            raise OptionError(f"--metric-option {item!r} must look like METRIC.NAME=VALUE, e.g. lse_c.net=demo")
        out.setdefault(metric.strip(), {})[opt.strip()] = value
    return out


def parse_weights(items: Iterable[str]) -> dict[str, str]:
    out = {}
    for item in items:
        name, sep, path = item.partition("=")
        if not sep or not name or not path:
            raise OptionError(f"--weights {item!r} must look like NAME=PATH, e.g. syncnet=~/syncnet_v2.model")
        out[name.strip()] = path
    return out


def options_dict(items: Iterable[str]) -> dict[str, Any]:
    return parse_option_strings(items)


def resolve_protocol(name: str | None):
    """``--protocol NAME`` -> the registered talkbench.Protocol (None without the flag); an
    unknown name is one line listing the known presets, before any dataset is read."""
    if not name:
        return None
    from talkbench.plugins import get_protocol

    return get_protocol(name)


def _compose(*decorators: Callable) -> Callable:
    def apply(f):
        for d in reversed(decorators):
            f = d(f)
        return f
    return apply


_dataset_rest = (
    click.option("--split", default=None, help="split (default: the dataset's test split)"),
    click.option("--limit", type=int, default=None, help="only the first N clips (sorted ids)"),
    click.option("--dataset-option", "dataset_option", multiple=True, metavar="K=V",
                 help="dataset option, repeatable (e.g. size=128)"),
    click.option("--data-root", default=None, type=click.Path(),
                 help="dataset root (env TALKBENCH_DATA)"),
)
dataset_options = _compose(
    click.option("--dataset", "-d", required=True, help="dataset name (talkbench datasets)"), *_dataset_rest
)
# `evaluate` may score videos on their own (sync metrics need no reference): no --dataset means
# the videos folder itself, read as the `folder` dataset.
optional_dataset_options = _compose(
    click.option("--dataset", "-d", default=None,
                 help="dataset the videos are matched to (default: the videos folder itself)"),
    *_dataset_rest,
)

scoring_options = _compose(
    click.option("--metrics", "-m", multiple=True, help="comma-separated metric names (default: all that apply)"),
    click.option("--metric-option", "metric_option", multiple=True, metavar="M.K=V",
                 help="metric option, repeatable (e.g. lse_c.net=demo); wins over --protocol's"),
    click.option("--protocol", "protocol", default=None, metavar="PRESET",
                 help="evaluation protocol preset: every metric's options as a reference pipeline "
                      "sets them (talkbench protocols)"),
    click.option("--weights", "weights", multiple=True, metavar="NAME=PATH",
                 help="use this weights file (recorded with its sha256), repeatable"),
    click.option("--device", default="auto", show_default=True, help="auto, cpu, cuda, cuda:N, mps"),
    click.option("--out", default="results", show_default=True, type=click.Path(), help="results directory"),
    click.option("--label", default=None, help="a label for this run in tables"),
    click.option("--quiet", "-q", is_flag=True, help="no progress bar"),
)

workers_option = click.option(
    "--workers", "workers", default="1", show_default=True, metavar="N|auto",
    help="clip-level worker processes on this machine, each with --threads threads (auto: one per "
         "core; with --device cuda they spread over the GPUs); the record is the same as with 1",
)

profile_option = click.option(
    "--profile", "profile", is_flag=True,
    help="print wall seconds per stage (load, generate, write, decode, each metric, record) at the "
         "end and store them in the record (`profile`)",
)


def profiled(enabled: bool, call: Callable[[], Any]) -> Any:
    """Run ``call`` with the run profile on (``--profile``), then print the stages."""
    if not enabled:
        return call()
    from talkbench.runner import profile

    prof = profile.enable()
    try:
        return call()
    finally:
        profile.disable()
        click.echo("profile (wall seconds per stage):", err=True)
        for line in prof.lines():
            click.echo(line, err=True)


#: exit status of `run`/`evaluate` when the record was written but some clips failed
EXIT_INCOMPLETE = 3

failure_options = click.option(
    "--allow-failures", "allow_failures", is_flag=True,
    help=f"exit 0 even if some clips failed (default: exit {EXIT_INCOMPLETE}; the record is written either way)",
)
