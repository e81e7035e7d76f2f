"""Metrics that read one computation share their options: GROUP.K=V, or M.K=V for any member."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from talkbench import Metric, OptionError, Option, hookimpl, plugins
from talkbench.cli import cli
from talkbench.metric_options import resolve_metric_options
from talkbench.runner.plan import RUN_CONFIG

from .fakes import MAE


class _Pair(Metric):
    """Two readings of one fake computation (like lse_c / lse_d)."""

    option_group = "pair"
    options = (Option("net", str, "official", "which net", choices=("official", "demo")),
               Option("k", int, 1, "a shared int"))

    def compute(self, generated, reference):
        return {"value": float(self.options["k"]) + (self.options["net"] == "demo"), "n": 1}


class PairA(_Pair):
    name = "pair_a"
    options = _Pair.options + (Option("own", int, 0, "only pair_a has this"),)


class PairB(_Pair):
    name = "pair_b"


CLASSES = {"pair_a": PairA, "pair_b": PairB, "mae": MAE}
BOTH = ["pair_a", "pair_b", "mae"]


def test_group_key_reaches_every_member_in_the_run():
    assert resolve_metric_options(BOTH, {"pair": {"net": "demo"}}, {}, CLASSES) == {
        "pair_a": {"net": "demo"}, "pair_b": {"net": "demo"}}
    assert resolve_metric_options(["pair_b"], {"pair": {"k": "3"}}, {}, CLASSES) == {"pair_b": {"k": 3}}


def test_member_key_means_the_group_and_must_agree():
    assert resolve_metric_options(BOTH, {"pair_a": {"net": "demo"}}, {}, CLASSES) == {
        "pair_a": {"net": "demo"}, "pair_b": {"net": "demo"}}
    # the same value given twice (in two spellings) is fine
    assert resolve_metric_options(BOTH, {"pair_a": {"k": "2"}, "pair_b": {"k": 2}}, {}, CLASSES)["pair_b"] == {"k": 2}
    with pytest.raises(OptionError) as exc:
        resolve_metric_options(BOTH, {"pair_a": {"net": "demo"}, "pair_b": {"net": "official"}}, {}, CLASSES)
    msg = str(exc.value)
    assert "\n" not in msg
    assert "pair_a.net=demo and pair_b.net=official disagree" in msg and "pair.net=VALUE" in msg
    with pytest.raises(OptionError, match="pair.net=official and pair_a.net=demo disagree"):
        resolve_metric_options(BOTH, {"pair": {"net": "official"}, "pair_a": {"net": "demo"}}, {}, CLASSES)


def test_own_options_stay_per_metric_and_group_keys_only_take_shared_ones():
    assert resolve_metric_options(BOTH, {"pair_a": {"own": "5"}}, {}, CLASSES) == {"pair_a": {"own": 5}}
    with pytest.raises(OptionError, match=r"pair\.own=5: pair options are k, net"):
        resolve_metric_options(BOTH, {"pair": {"own": "5"}}, {}, CLASSES)


def test_dataset_defaults_by_group_and_the_user_wins():
    defaults = {"pair": {"net": "demo"}, "mae": {"x": 1}}
    assert resolve_metric_options(BOTH, {}, defaults, CLASSES) == {
        "pair_a": {"net": "demo"}, "pair_b": {"net": "demo"}, "mae": {"x": 1}}
    # the user's member key overrides the default for the whole group (no disagreement)
    assert resolve_metric_options(BOTH, {"pair_b": {"net": "official"}}, defaults, CLASSES) == {
        "pair_a": {"net": "official"}, "pair_b": {"net": "official"}, "mae": {"x": 1}}
    # defaults for metrics not in the run are dropped
    assert resolve_metric_options(["mae"], {}, defaults, CLASSES) == {"mae": {"x": 1}}


@pytest.fixture
def pair_plugin(fake_plugins):
    class Plugin:
        @hookimpl
        def register_metrics(self, register):
            register(PairA)
            register(PairB)

    plugin = Plugin()
    plugins.pm.register(plugin, name="_pair")
    yield
    plugins.pm.unregister(plugin, name="_pair")


def test_cli_group_option_is_recorded_per_metric_and_a_disagreement_is_one_line(pair_plugin, tmp_path):
    base = ["run", "--model", "copygen", "--dataset", "fakeds", "--limit", "1", "--quiet",
            "--metrics", "pair_a,pair_b", "--out", str(tmp_path)]
    res = CliRunner().invoke(cli, base + ["--metric-option", "pair_a.net=demo", "--metric-option", "pair_b.net=official"])
    assert res.exit_code == 2, res.output
    assert res.output.count("\n") == 1 and "disagree" in res.output and "Traceback" not in res.output
    assert not any(tmp_path.iterdir())  # rejected before any run directory is made
    res = CliRunner().invoke(cli, base + ["--metric-option", "pair.net=demo"])
    assert res.exit_code == 0, res.output
    (run_dir,) = (tmp_path / "runs").iterdir()
    config = json.loads((run_dir / RUN_CONFIG).read_text())
    assert config["metric_options"] == {"pair_a": {"net": "demo"}, "pair_b": {"net": "demo"}}
    record = json.loads((run_dir / "record.json").read_text())
    assert record["metrics"]["pair_a"]["value"] == record["metrics"]["pair_b"]["value"] == 2.0
