"""Protocol presets (hook ``register_protocols``, ``--protocol``): registry, validation,
planning, record provenance, cache sharing, table caption, CLI."""

from __future__ import annotations

import json
import types

import pytest
from click.testing import CliRunner

from talkbench import Protocol, hookimpl, plugins
from talkbench.errors import OptionError, TalkbenchError, UnknownNameError


def _proto(name="fakeproto", version="2", options=None, **kw):
    fields = dict(description="a fake preset", reference="the fake reference script",
                  published="Fake et al. Table 9")
    fields.update(kw)
    return Protocol(name=name, version=version, options=options or {"loud": {"scale": 2.0}}, **fields)


@pytest.fixture
def with_presets(fake_plugins):
    """The fake plugins plus a plugin registering the given presets (as a third party would)."""
    added = []

    def add(*protos, name="_presets"):
        plugin = types.SimpleNamespace(register_protocols=hookimpl(lambda register: [register(p) for p in protos]))
        plugins.pm.register(plugin, name=name)
        added.append(name)

    yield add
    for name in added:
        plugins.pm.unregister(name=name)


def test_register_protocols_hook(with_presets):
    p = _proto()
    with_presets(p)
    assert plugins.get_protocols() == {"fakeproto": p}
    assert plugins.get_protocol("fakeproto") is p
    assert p.label == "fakeproto v2"


def test_unknown_preset_is_one_line_listing_the_known_ones(with_presets):
    with_presets(_proto(), _proto("other", "1"))
    with pytest.raises(UnknownNameError) as e:
        plugins.get_protocol("nope")
    assert str(e.value) == ("unknown protocol 'nope'; known protocols: fakeproto (v2), other (v1) "
                            "(talkbench protocols)")


def test_a_preset_registered_by_two_plugins_names_both(with_presets):
    with_presets(_proto(), name="_first")
    with_presets(_proto(version="3"), name="_second")
    with pytest.raises(TalkbenchError, match="protocol 'fakeproto' is registered twice: by plugin '_first' "
                                             "and by plugin '_second'"):
        plugins.get_protocols()


def test_registering_something_else_is_a_type_error(with_presets):
    with_presets(types.SimpleNamespace(name="notaproto"))
    with pytest.raises(TypeError, match="registered .* as a protocol; expected a talkbench.Protocol$"):
        plugins.get_protocols()


def test_an_option_the_metric_lacks_is_an_error_at_registration(with_presets):
    with_presets(_proto(options={"loud": {"scael": 2.0}}))
    with pytest.raises(OptionError) as e:
        plugins.get_protocols()
    assert str(e.value) == ("protocol fakeproto v2 (plugin '_presets') sets loud.scael, but loud has no "
                            "option 'scael'; its options: scale")


def test_a_value_the_option_refuses_is_an_error_at_registration(with_presets):
    with_presets(_proto(options={"loud": {"scale": "big"}}))
    with pytest.raises(OptionError, match=r"protocol fakeproto v2 \(plugin '_presets'\) sets loud.scale='big': "
                                          "loud: option scale='big' is not a valid float"):
        plugins.get_protocols()


@pytest.mark.parametrize("field, value, message", [
    ("name", "Bad Name", "protocol name 'Bad Name'"),
    ("version", "", "version must be one non-empty line"),
    ("description", "two\nlines", "description must be one non-empty line"),
])
def test_malformed_presets_are_refused(field, value, message):
    kw = dict(name="p", version="1", description="d", reference="r", published="x")
    kw[field] = value
    with pytest.raises(TalkbenchError, match=message):
        Protocol(**kw)


def _plan(tmp_path, **kw):
    from talkbench.runner import make_plan

    plan = make_plan("copygen", "fakeds", out=tmp_path, **kw)
    return plan


def test_plan_applies_the_preset_and_user_options_win_and_are_recorded(with_presets, tmp_path):
    with_presets(_proto(options={"loud": {"scale": 2.0}, "words": {}}))
    plan = _plan(tmp_path, metrics=["loud", "mae"], protocol="fakeproto")
    assert plan.metric_options["loud"] == {"scale": 2.0}
    assert plan.protocol["name"] == "fakeproto" and plan.protocol["version"] == "2"
    assert plan.protocol["sets"] == {"loud": {"scale": 2.0}}
    assert plan.protocol["overridden"] == {}
    assert plan.protocol["not_in_run"] == ["words"]  # the preset's key for a metric this run lacks

    over = _plan(tmp_path, metrics=["loud"], protocol="fakeproto", metric_options={"loud": {"scale": "3"}})
    assert over.metric_options["loud"] == {"scale": 3.0}
    assert over.protocol["overridden"] == {"loud.scale": {"preset": 2.0, "used": 3.0}}
    # the same value given again is not an override
    same = _plan(tmp_path, metrics=["loud"], protocol="fakeproto", metric_options={"loud": {"scale": "2"}})
    assert same.protocol["overridden"] == {}


def test_preset_and_metric_option_routes_share_the_score_key(with_presets, tmp_path):
    """The preset enters the cache key only through the option values it sets."""
    with_presets(_proto())
    a = _plan(tmp_path, metrics=["loud"], protocol="fakeproto")
    b = _plan(tmp_path, metrics=["loud"], metric_options={"loud": {"scale": "2.0"}})
    c = _plan(tmp_path, metrics=["loud"])
    key = lambda p: p.metrics[0].key  # the plan builds its metrics once
    assert key(a) == key(b) != key(c)
    assert a.run_dir == b.run_dir == c.run_dir  # metric options never split the generator's run


def test_run_record_names_the_preset_and_caption_too(with_presets, tmp_path):
    from talkbench.reports import render_table
    from talkbench.records import load_records
    from talkbench.runner import run_benchmark

    with_presets(_proto())
    run_dir = run_benchmark("copygen", "fakeds", metrics=["loud"], out=tmp_path, progress=False,
                           protocol="fakeproto", metric_options=None)
    rec = json.loads((run_dir / "record.json").read_text())
    assert rec["protocol"]["name"] == "fakeproto" and rec["protocol"]["version"] == "2"
    assert rec["protocol"]["conforms"] == ["loud"] and rec["protocol"]["differs"] == {}
    assert rec["metrics"]["loud"]["protocol"]["scale"] == 2.0
    assert json.loads((run_dir / "run.json").read_text())["protocol"]["name"] == "fakeproto"
    for fmt in ("latex", "markdown"):
        text = render_table(load_records(tmp_path), fmt=fmt, layout="simple")
        assert "Protocol preset: fakeproto v2." in text

    # a later invocation of the same run directory with an override
    run_benchmark("copygen", "fakeds", metrics=["loud"], out=tmp_path, progress=False,
                  protocol="fakeproto", metric_options={"loud": {"scale": "5"}})
    rec = json.loads((run_dir / "record.json").read_text())
    assert rec["protocol"]["overridden"] == {"loud.scale": {"preset": 2.0, "used": 5.0}}
    assert rec["protocol"]["conforms"] == []
    text = render_table(load_records(tmp_path), fmt="markdown", layout="simple")
    assert "Protocol preset: fakeproto v2 (changed: loud.scale=5.0)." in text


def test_no_preset_no_caption_sentence(fake_plugins, tmp_path):
    from talkbench.reports import render_table
    from talkbench.records import load_records
    from talkbench.runner import run_benchmark

    run_dir = run_benchmark("copygen", "fakeds", metrics=["loud"], out=tmp_path, progress=False)
    assert json.loads((run_dir / "record.json").read_text())["protocol"] is None
    assert "Protocol preset" not in render_table(load_records(tmp_path), fmt="latex", layout="simple")


def test_caption_note_for_mixed_runs():
    from talkbench.protocols import caption_note

    recs = [{"protocol": {"name": "a", "version": "1"}}, {"protocol": {"name": "b", "version": "2",
            "differs": {"psnr": ["size"]}}}, {"protocol": None}]
    assert caption_note(recs) == ("Protocol presets: a v1; b v2 (changed: psnr scored with other options); "
                                  "1 run without a preset.")
    assert caption_note([{"protocol": None}]) == ""


def test_cli_protocol_flag_and_listing(with_presets, tmp_path):
    import talkbench.cli as tcli

    with_presets(_proto())
    runner = CliRunner()
    res = runner.invoke(tcli.cli, ["protocols"])
    assert res.exit_code == 0, res.output
    assert res.output.splitlines()[:4] == [
        "fakeproto  v2  a fake preset", "    reference: the fake reference script",
        "    for: Fake et al. Table 9", "    --metric-option loud.scale=2.0"]
    listed = json.loads(runner.invoke(tcli.cli, ["protocols", "--json"]).output)
    assert listed[0]["name"] == "fakeproto" and listed[0]["options"] == {"loud": {"scale": 2.0}}
    bad = runner.invoke(tcli.cli, ["run", "--model", "copygen", "--dataset", "fakeds", "--protocol", "nope",
                                   "--out", str(tmp_path)])
    assert bad.exit_code == 2
    assert bad.output.strip() == ("talkbench: error: unknown protocol 'nope'; known protocols: fakeproto (v2) "
                                  "(talkbench protocols)")
    ok = runner.invoke(tcli.cli, ["run", "--model", "copygen", "--dataset", "fakeds", "--protocol", "fakeproto",
                                  "--metrics", "loud", "--out", str(tmp_path), "-q"])
    assert ok.exit_code == 0, ok.output
    assert "protocol preset fakeproto v2\n" in ok.output
    rec = json.loads(next(tmp_path.rglob("record.json")).read_text())
    assert rec["protocol"]["name"] == "fakeproto"


def test_evaluate_with_a_preset_and_merge_keeps_it(with_presets, tmp_path):
    """`evaluate --protocol` (no reference: the preset's reference metrics are not in the run)
    and `talkbench merge` of the run directory both keep the preset in the record."""
    import shutil

    import talkbench.cli as tcli
    from talkbench.runner import merge_run, run_benchmark

    import talkbench.datasets
    plugins.pm.register(talkbench.datasets, name="_datasets")
    try:
        with_presets(_proto(options={"loud": {"scale": 2.0}, "mae": {}}))
        made = run_benchmark("copygen", "fakeds", metrics=["loud"], limit=2, out=tmp_path / "made", progress=False)
        vids = tmp_path / "vids"
        vids.mkdir()
        for cid in ("test000", "test001"):
            shutil.copy(made / "videos" / f"{cid}.mp4", vids / f"{cid}.mp4")
        res = CliRunner().invoke(tcli.cli, ["evaluate", "--videos", str(vids), "--metrics", "loud", "--protocol",
                                            "fakeproto", "--out", str(tmp_path / "ev"), "-q"])
        assert res.exit_code == 0, res.output
        assert "protocol preset fakeproto v2; not in this run: mae\n" in res.output
        rec_path = next((tmp_path / "ev").rglob("record.json"))
        rec = json.loads(rec_path.read_text())
        assert rec["protocol"]["name"] == "fakeproto" and rec["protocol"]["not_in_run"] == ["mae"]
        assert rec["metrics"]["loud"]["protocol"]["scale"] == 2.0
        merge_run(rec_path.parent)
        merged = json.loads(rec_path.read_text())
        assert merged["protocol"]["name"] == "fakeproto" and merged["protocol"]["conforms"] == ["loud"]
    finally:
        plugins.pm.unregister(talkbench.datasets, name="_datasets")


def test_a_shared_option_given_two_values_is_refused_at_registration(with_presets):
    """lse_c and lse_d are one SyncNet pass: a preset cannot give them two vshifts."""
    import talkbench_syncnet

    plugins.pm.register(talkbench_syncnet, name="_syncnet")
    try:
        with_presets(_proto(options={"lse_c": {"vshift": 10}, "lse_d": {"vshift": 15}}))
        with pytest.raises(OptionError, match=r"protocol fakeproto v2 \(plugin '_presets'\): lse_c.vshift=10 and "
                                              r"lse_d.vshift=15 disagree"):
            plugins.get_protocols()
    finally:
        plugins.pm.unregister(talkbench_syncnet, name="_syncnet")


def test_html_run_card_names_the_preset(with_presets, tmp_path):
    from talkbench.records import load_records
    from talkbench.reports.html import write_html_report
    from talkbench.runner import run_benchmark

    with_presets(_proto())
    run_benchmark("copygen", "fakeds", metrics=["loud"], limit=2, out=tmp_path, progress=False,
                  protocol="fakeproto", metric_options={"loud": {"scale": "4"}})
    index = write_html_report(load_records(tmp_path), tmp_path / "report", strips=0)
    card = next(index.parent.glob("run-*.html")).read_text()
    assert "<dt>protocol preset</dt><dd>fakeproto v2; changed: loud.scale</dd>" in card
