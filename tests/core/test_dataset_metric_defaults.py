"""A dataset can ask for metric options (the demo's own SyncNet); the user's options win."""

from __future__ import annotations

import json

import pytest

from talkbench import hookimpl, plugins
from talkbench.runner import run_benchmark
from talkbench.runner.plan import RUN_CONFIG


@pytest.fixture
def loud_dataset(fake_plugins):
    class LoudDataset(fake_plugins.FakeDataset):
        name = "loudds"
        metric_defaults = {"loud": {"scale": 2.0}, "notselected": {"x": 1}}

    class Plugin:
        @hookimpl
        def register_datasets(self, register):
            register(LoudDataset)

    plugin = Plugin()
    plugins.pm.register(plugin, name="_loudds")
    yield
    plugins.pm.unregister(plugin, name="_loudds")


def _loud(run_dir):
    record = json.loads((run_dir / "record.json").read_text())
    config = json.loads((run_dir / RUN_CONFIG).read_text())
    return record["metrics"]["loud"]["value"], config["metric_options"]


def test_dataset_metric_defaults_apply_and_user_options_win(loud_dataset, tmp_path):
    kw = dict(out=tmp_path / "res", progress=False, device="cpu", metrics=["loud"], limit=2)
    plain, _ = _loud(run_benchmark("copygen", "fakeds", **kw))
    doubled, options = _loud(run_benchmark("copygen", "loudds", **kw))
    assert doubled == pytest.approx(2 * plain)
    assert options == {"loud": {"scale": 2.0}}  # recorded; defaults of unselected metrics are not
    tripled, options = _loud(run_benchmark("copygen", "loudds", metric_options={"loud": {"scale": 3.0}}, **kw))
    assert tripled == pytest.approx(3 * plain) and options == {"loud": {"scale": 3.0}}
