"""talkbench.stats against scipy.stats on the same data, and the paired tests' known answers."""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy import stats as sps

from talkbench.stats import Sample, StatsUnavailable, bootstrap_ci, compare_runs, paired_test, run_cis


def _sample(values, n=None, aggregation="mean", aggregate=None, ids=None):
    n = n if n is not None else [1] * len(values)
    ids = ids or [f"c{i:04d}" for i in range(len(values))]
    return Sample("m", aggregation, ids, [{"value": float(v), "n": int(k)} for v, k in zip(values, n)], aggregate)


def test_mean_ci_equals_scipy_percentile_bootstrap():
    x = np.random.default_rng(1).normal(30.0, 2.0, 57)
    ours = bootstrap_ci(_sample(x), n_resamples=1000, seed=7)
    ref = sps.bootstrap((x,), np.mean, n_resamples=1000, method="percentile", rng=np.random.default_rng(7),
                        vectorized=True)
    assert ours["value"] == pytest.approx(x.mean())
    assert ours["low"] == pytest.approx(ref.confidence_interval.low, rel=1e-12)
    assert ours["high"] == pytest.approx(ref.confidence_interval.high, rel=1e-12)
    assert ours["low"] < x.mean() < ours["high"]


def test_pooled_ci_is_frame_weighted_and_equals_scipy_paired():
    rng = np.random.default_rng(2)
    v, w = rng.normal(0.8, 0.05, 40), rng.integers(20, 200, 40)
    ours = bootstrap_ci(_sample(v, w, "pooled"), n_resamples=1000, seed=3)

    def pooled(v_, w_, axis=-1):
        return (v_ * w_).sum(axis=axis) / w_.sum(axis=axis)

    ref = sps.bootstrap((v, w.astype(float)), pooled, paired=True, n_resamples=1000, method="percentile",
                        rng=np.random.default_rng(3), vectorized=True)
    assert ours["value"] == pytest.approx(pooled(v, w))
    assert ours["value"] != pytest.approx(v.mean(), abs=1e-6)  # not the clip mean
    assert (ours["low"], ours["high"]) == pytest.approx(tuple(ref.confidence_interval), rel=1e-12)


def test_corpus_ci_recomputes_sum_of_edits_over_sum_of_words():
    """The metric's own aggregation on every resample (WER = Σ edits / Σ words), as scipy paired."""
    rng = np.random.default_rng(4)
    words = rng.integers(3, 30, 60)
    edits = rng.binomial(words, 0.3)
    per_clip = [{"value": 100.0 * e / w, "n": int(w), "edits": int(e), "words": int(w)} for e, w in zip(edits, words)]

    def wer(rows):
        return {"value": 100.0 * sum(r["edits"] for r in rows) / sum(r["words"] for r in rows)}

    s = Sample("wer", "corpus", [f"c{i}" for i in range(60)], per_clip, wer)
    ours = bootstrap_ci(s, n_resamples=500, seed=5)
    ref = sps.bootstrap((edits.astype(float), words.astype(float)),
                        lambda e, w, axis=-1: 100.0 * e.sum(axis=axis) / w.sum(axis=axis), paired=True,
                        n_resamples=500, method="percentile", rng=np.random.default_rng(5), vectorized=True)
    assert ours["value"] == pytest.approx(100.0 * edits.sum() / words.sum())
    assert (ours["low"], ours["high"]) == pytest.approx(tuple(ref.confidence_interval), rel=1e-12)


def test_real_wer_metric_aggregate_drives_the_corpus_resamples():
    import talkbench

    wer = talkbench.get_metric("wer")()
    per_clip = [{"value": 50.0, "n": 2, "edits": 1, "words": 2}, {"value": 0.0, "n": 8, "edits": 0, "words": 8},
                {"value": 25.0, "n": 4, "edits": 1, "words": 4}]
    ci = bootstrap_ci(Sample("wer", "corpus", ["a", "b", "c"], per_clip, wer.aggregate), n_resamples=200)
    assert ci["value"] == pytest.approx(100.0 * 2 / 14)  # not the clip mean 25.0
    assert 0.0 <= ci["low"] <= ci["value"] <= ci["high"] <= 50.0


def test_same_seed_same_interval_other_seed_close():
    x = np.random.default_rng(9).normal(size=200)
    a, b = bootstrap_ci(_sample(x), seed=0), bootstrap_ci(_sample(x), seed=0)
    c = bootstrap_ci(_sample(x), seed=1)
    assert a == b
    assert c["low"] == pytest.approx(a["low"], abs=0.05) and c["low"] != a["low"]


def test_known_difference_is_significant_and_identical_runs_are_not():
    rng = np.random.default_rng(11)
    base = rng.normal(28.0, 1.5, 80)
    better = base + 0.5 + rng.normal(0, 0.2, 80)  # every clip ~0.5 dB higher
    t = paired_test(_sample(better), _sample(base), higher_is_better=True)
    assert t["p_value"] < 0.01 and t["better"] == "a"
    assert t["diff"] == pytest.approx((better - base).mean())
    assert t["low"] < t["diff"] < t["high"] and t["low"] > 0
    lower_is_better = paired_test(_sample(better), _sample(base), higher_is_better=False)
    assert lower_is_better["better"] == "b"
    same = paired_test(_sample(base), _sample(base.copy()), higher_is_better=True)
    assert same["p_value"] == 1.0 and same["diff"] == 0.0 and same["better"] is None
    assert same["low"] == same["high"] == 0.0


def test_permutation_p_matches_scipy_paired_permutation():
    rng = np.random.default_rng(12)
    a = rng.normal(0, 1, 30)
    b = a + rng.normal(0.1, 1.0, 30)  # a weak difference: p in the middle of (0, 1)
    ours = paired_test(_sample(a), _sample(b), higher_is_better=True, n_resamples=5000)["p_value"]
    ref = sps.permutation_test((a, b), lambda x, y, axis=-1: x.mean(axis=axis) - y.mean(axis=axis),
                               permutation_type="samples", n_resamples=5000, vectorized=True,
                               rng=np.random.default_rng(0)).pvalue
    assert 0.02 < ref < 0.9
    assert ours == pytest.approx(ref, abs=0.03)


def test_paired_uses_only_common_clips():
    a = _sample([1.0, 2.0, 3.0, 100.0], ids=["x", "y", "z", "only_a"])
    b = _sample([1.0, 2.0, 3.0], ids=["x", "y", "z"])
    t = paired_test(a, b, higher_is_better=True)
    assert t["n_common"] == 3 and t["n_a"] == 4 and t["diff"] == 0.0 and t["p_value"] == 1.0


def test_too_few_clips_and_missing_corpus_aggregate_say_why():
    with pytest.raises(StatsUnavailable, match="at least 2"):
        bootstrap_ci(_sample([1.0]))
    with pytest.raises(StatsUnavailable, match="corpus aggregation needs the metric installed"):
        bootstrap_ci(_sample([1.0, 2.0], aggregation="corpus"))


def _run(tmp_path, name, values, record_value=None, n_clips=None):
    d = tmp_path / name
    (d / "scores").mkdir(parents=True)
    for i, v in enumerate(values):
        (d / "scores" / f"c{i}.json").write_text(json.dumps(
            {"clip_id": f"c{i}", "metrics": {"psnr": {"value": v, "n": 10 + i, "_key": "k"}}}))
    w = np.arange(len(values)) + 10
    pooled = float((np.array(values) * w).sum() / w.sum())
    rec = {"_path": str(d / "record.json"), "metrics": {"psnr": {
        "value": pooled if record_value is None else record_value, "n_clips": n_clips or len(values),
        "aggregation": "pooled", "higher_is_better": True, "status": "ok"}}}
    return rec


def test_run_records_read_scores_and_refuse_mismatches(tmp_path):
    rec = _run(tmp_path, "a", [30.0, 31.0, 29.5, 30.5])
    ci = run_cis(rec)["psnr"]
    assert ci["status"] == "ok" and ci["value"] == pytest.approx(rec["metrics"]["psnr"]["value"])
    stale = _run(tmp_path, "b", [30.0, 31.0, 29.5, 30.5], record_value=12.0)
    assert run_cis(stale)["psnr"]["status"] == "unavailable"
    assert "talkbench merge" in run_cis(stale)["psnr"]["reason"]
    short = _run(tmp_path, "c", [30.0, 31.0], n_clips=5)
    assert "says 5" in run_cis(short)["psnr"]["reason"]
    better = _run(tmp_path, "d", [31.0, 32.0, 30.5, 31.5])
    (t,) = compare_runs(better, rec)
    assert t["status"] == "ok" and t["diff"] == pytest.approx(1.0) and t["n_common"] == 4


def test_few_clips_get_the_exact_permutation_p():
    # 3 clips, all better: the observed split is 2 of the 8 swap patterns (itself and its mirror)
    t = paired_test(_sample([2.0, 3.0, 4.0]), _sample([1.0, 2.0, 3.0]), higher_is_better=True)
    assert t["p_value"] == 0.25 and t["better"] is None and "exact" in t["method_p"]
