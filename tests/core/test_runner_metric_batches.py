"""A metric that scores several clips per call (``compute_batch``): the runner hands it groups of
decoded clips and keeps clip-by-clip semantics: one score file per clip, the same values, a
failing clip recorded on that clip only, a raising batch call retried clip by clip, resume."""

from __future__ import annotations

import json

from talkbench import ClipFailure, Option, hookimpl
from talkbench.plugins import pm
from talkbench.runner import run_benchmark

from tests.core import fakes  # noqa: F401  (the base metric)

BATCHES: list[list[str]] = []
MODE: dict[str, str] = {}  # clip id -> "metricfail" (that clip fails) | "batchraise" (the call raises)


class BatchMAE(fakes.MAE):
    name = "bmae"
    options = (Option("batch_clips", int, 3, "clips per call", min=1, affects_output=False),)

    def batch_clips(self):
        return self.options["batch_clips"]

    def compute_batch(self, pairs):
        ids = [g.id for g, _ in pairs]
        BATCHES.append(ids)
        if any(MODE.get(i) == "batchraise" for i in ids):
            raise RuntimeError("the whole batch call failed")
        return [ClipFailure("no face found") if MODE.get(g.id) in ("metricfail", "batchraise")
                else self.compute(g, r) for g, r in pairs]


class _Plugin:
    @hookimpl
    def register_metrics(self, register):
        register(BatchMAE)


def _run(tmp_path, **kw):
    plugin = _Plugin()
    pm.register(plugin, name="_bmae")
    try:
        return run_benchmark("copygen", "fakeds", out=tmp_path / "res", progress=False, device="cpu",
                             dataset_options={"n": 7}, limit=7, **kw)
    finally:
        pm.unregister(plugin, name="_bmae")


def _scores(run_dir, name):
    return {p.stem: json.loads(p.read_text())["metrics"].get(name, {}).get("value")
            for p in sorted((run_dir / "scores").glob("*.json"))}


def test_batched_metric_matches_per_clip_and_fails_per_clip(fake_plugins, tmp_path):
    BATCHES.clear()
    MODE.clear()
    MODE["test004"] = "metricfail"
    run_dir = _run(tmp_path, metrics=["mae", "bmae"])
    assert BATCHES == [["test000", "test001", "test002"], ["test003", "test004", "test005"], ["test006"]]
    mae, bmae = _scores(run_dir, "mae"), _scores(run_dir, "bmae")
    assert len(mae) == 7 and bmae.pop("test004") is None
    assert bmae == {k: v for k, v in mae.items() if k != "test004"}
    rec = json.loads((run_dir / "record.json").read_text())
    assert [(f["clip_id"], f["stage"]) for f in rec["failures"]] == [("test004", "metric:bmae")]
    assert rec["metrics"]["bmae"]["n_clips"] == 6 and rec["metrics"]["mae"]["n_clips"] == 7
    # resume: only the failed clip is scored again (alone), and batch_clips is not in the key
    BATCHES.clear()
    MODE.clear()
    assert _run(tmp_path, metrics=["mae", "bmae"], metric_options={"bmae": {"batch_clips": 2}}) == run_dir
    assert BATCHES == [["test004"]]
    assert json.loads((run_dir / "record.json").read_text())["failures"] == []


def test_raising_batch_call_is_retried_clip_by_clip(fake_plugins, tmp_path):
    BATCHES.clear()
    MODE.clear()
    MODE["test001"] = "batchraise"
    run_dir = _run(tmp_path, metrics=["bmae"])
    rec = json.loads((run_dir / "record.json").read_text())
    # plain compute scores test001: only the batch call raised, so no clip carries a failure
    assert rec["failures"] == [] and rec["metrics"]["bmae"]["n_clips"] == 7
    assert BATCHES[0] == ["test000", "test001", "test002"]
