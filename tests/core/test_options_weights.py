"""Typed options and the weights registry (HTML/LFS rejection, missing-file message, overrides)."""

from __future__ import annotations

import json

import pytest

from talkbench import Option, sha256_file
from talkbench.errors import OptionError, WeightsInvalidError, WeightsMissingError
from talkbench.options import parse_option_strings, resolve_options
from talkbench.weights import (
    WeightSpec, clear_weight_overrides, resolve_weight, set_weight_override, weight_record, weight_status,
)

DECL = (Option("steps", int, 200, "DDIM steps", min=1, max=1000), Option("audio", str, "avhubert", choices=("avhubert", "deepspeech")),
        Option("cfg", float, 1.0), Option("ema", bool, True))


def test_options_parse_and_validate():
    out = resolve_options(DECL, parse_option_strings(["steps=50", "audio=deepspeech", "cfg=2.5", "ema=no"]), "syncdiff")
    assert out == {"steps": 50, "audio": "deepspeech", "cfg": 2.5, "ema": False}
    assert resolve_options(DECL, None) == {"steps": 200, "audio": "avhubert", "cfg": 1.0, "ema": True}
    cases = [({"steps": "many"}, "syncdiff: option steps='many' is not a valid int"),
             ({"steps": "0"}, "syncdiff: option steps=0 must be >= 1"),
             ({"audio": "mfcc"}, "syncdiff: option audio='mfcc' must be one of avhubert, deepspeech"),
             ({"ema": "maybe"}, "syncdiff: option ema='maybe' is not a valid bool"),
             ({"step": "5"}, "syncdiff: unknown option 'step' (did you mean steps?); known options: steps, audio, cfg, ema")]
    for given, msg in cases:
        with pytest.raises(OptionError) as e:
            resolve_options(DECL, given, "syncdiff")
        assert str(e.value) == msg
    with pytest.raises(OptionError, match="must look like NAME=VALUE"):
        parse_option_strings(["steps"])
    assert parse_option_strings(["a=b=c"]) == {"a": "b=c"}


@pytest.fixture
def spec(tmp_path, monkeypatch):
    monkeypatch.setenv("TALKBENCH_HOME", str(tmp_path / "home"))
    clear_weight_overrides()
    yield WeightSpec("probe", "probe.pth", urls=("https://example.org/probe.pth",))
    clear_weight_overrides()


def test_missing_weights_message_names_file_url_and_path(spec, tmp_path):
    with pytest.raises(WeightsMissingError) as e:
        resolve_weight("probe", spec)
    dest = tmp_path / "home" / "weights" / "probe.pth"
    assert str(e.value) == (f"weights 'probe' missing: download probe.pth from https://example.org/probe.pth and put "
                            f"it at {dest} (or pass --weights probe=PATH)")
    assert weight_status(spec) == {"name": "probe", "status": "missing", "path": str(dest)}


def test_html_page_and_lfs_pointer_are_rejected(spec, tmp_path):
    dest = tmp_path / "home" / "weights" / "probe.pth"
    dest.parent.mkdir(parents=True)
    dest.write_text("<!DOCTYPE html><html><body>Sign in to continue</body></html>")
    with pytest.raises(WeightsInvalidError, match=r"probe.pth: is an HTML page, not weights"):
        resolve_weight("probe", spec)
    assert weight_status(spec)["status"] == "invalid"
    dest.write_text("version https://git-lfs.github.com/spec/v1\noid sha256:abc\nsize 12\n")
    with pytest.raises(WeightsInvalidError, match=r"is a git-LFS pointer, not weights; run `git lfs pull`"):
        resolve_weight("probe", spec)
    dest.write_bytes(b"")
    with pytest.raises(WeightsInvalidError, match="weights file is empty"):
        resolve_weight("probe", spec)


def test_checksum_mismatch_is_rejected(tmp_path, monkeypatch):
    monkeypatch.setenv("TALKBENCH_HOME", str(tmp_path))
    s = WeightSpec("sum", "sum.bin", sha256="0" * 64)
    (tmp_path / "weights").mkdir()
    (tmp_path / "weights" / "sum.bin").write_bytes(b"\x80\x02weights")
    with pytest.raises(WeightsInvalidError, match="does not match the published 000000000000"):
        resolve_weight("sum", s)


def test_override_is_used_and_recorded_with_sha256(spec, tmp_path):
    f = tmp_path / "mine.pth"
    f.write_bytes(b"\x80\x02fake-torch-pickle")
    set_weight_override("probe", f)
    assert resolve_weight("probe", spec) == f.resolve()
    rec = weight_record("probe", spec)
    assert rec == {"name": "probe", "path": str(f.resolve()), "sha256": sha256_file(f), "override": True}
    with pytest.raises(WeightsMissingError, match="--weights probe=/nope.pth: no such file"):
        set_weight_override("probe", "/nope.pth")


def test_run_records_weights_override_and_metric_weights(fake_plugins, tmp_path, monkeypatch):
    """--weights reaches the record: the model section lists overrides by path."""
    from talkbench.runner import run_benchmark

    f = tmp_path / "gen.pth"
    f.write_bytes(b"\x80\x02weights")
    run_dir = run_benchmark("copygen", "fakeds", metrics=["mae"], limit=1, out=tmp_path / "r", progress=False,
                            device="cpu", weights={"anything": str(f)})
    rec = json.loads((run_dir / "record.json").read_text())
    assert rec["model"]["weights_overrides"] == {"anything": str(f.resolve())}
