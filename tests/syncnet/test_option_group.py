"""lse_c and lse_d are one SyncNet computation: one option set (syncnet.K=V, or either name)."""

from __future__ import annotations

import pytest

from talkbench import OptionError
from talkbench.metric_options import resolve_metric_options, shared_option_names
from talkbench.plugins import get_dataset, get_metrics


def test_syncnet_group_options():
    classes = get_metrics()
    assert classes["lse_c"].option_group == classes["lse_d"].option_group == "syncnet"
    assert {"net", "protocol", "vshift"} <= shared_option_names(classes, "syncnet")
    pair = ["psnr", "lse_c", "lse_d"]
    want = {"lse_c": {"net": "demo"}, "lse_d": {"net": "demo"}}
    assert resolve_metric_options(pair, {"syncnet": {"net": "demo"}}, {}, get_metrics()) == want
    assert resolve_metric_options(pair, {"lse_c": {"net": "demo"}}, {}, get_metrics()) == want  # the case
    with pytest.raises(OptionError, match="lse_c.net=demo and lse_d.net=official disagree"):
        resolve_metric_options(pair, {"lse_c": {"net": "demo"}, "lse_d": {"net": "official"}}, {}, get_metrics())


def test_demo_dataset_picks_the_demo_net_for_both():
    defaults = get_dataset("demo").metric_defaults
    assert resolve_metric_options(["lse_c", "lse_d"], {}, defaults, get_metrics()) == {
        "lse_c": {"net": "demo"}, "lse_d": {"net": "demo"}}
    assert resolve_metric_options(["lse_c", "lse_d"], {"lse_d": {"net": "official"}}, defaults, get_metrics()) == {
        "lse_c": {"net": "official"}, "lse_d": {"net": "official"}}


def test_metrics_listing_shows_the_shared_options_under_the_group():
    from click.testing import CliRunner

    from talkbench.cli import cli

    out = CliRunner().invoke(cli, ["metrics"], catch_exceptions=False).output
    assert "--metric-option syncnet.net: str = 'official'" in out
    assert "--metric-option lse_c." not in out and "--metric-option lse_d." not in out
