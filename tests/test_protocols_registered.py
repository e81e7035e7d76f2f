"""The protocol presets the installed plugins register (all entry points loaded): they name
only installed metrics and declared options, and the README's protocols table is theirs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from talkbench import plugins
from talkbench.metric_options import shared_option_names
from talkbench.protocols import markdown_table

README = Path(__file__).resolve().parents[1] / "README.md"


@pytest.fixture(scope="module")
def registered():
    plugins.reset_plugins()
    try:
        yield plugins.get_protocols(), plugins.get_metrics()
    finally:
        plugins.reset_plugins()


def test_todays_presets_are_registered(registered):
    protos, _ = registered
    assert {"lrs", "syncdiff-table1"} <= set(protos)
    lrs = protos["lrs"]
    assert lrs.options == {"syncnet": {"protocol": "lrs", "jpeg_roundtrip": True, "vshift": 15, "precision": "fp32"}}
    t1 = protos["syncdiff-table1"]
    # Table 1's LSE columns are the lrs protocol, its PSNR TalkLip's uint8 arithmetic (100 dB if equal)
    assert t1.options["syncnet"] == lrs.options["syncnet"]
    assert t1.options["psnr"]["compat_uint8"] is True and t1.options["psnr"]["max_db"] == 100.0
    assert t1.options["wer"]["protocol"] == "talklip" and t1.options["wer"]["beam"] == 50


def test_every_preset_key_is_an_installed_metric_or_group(registered):
    """A typo in a preset's metric name would otherwise only show up as 'not in this run'."""
    protos, metrics = registered
    groups = {getattr(c, "option_group", "") for c in metrics.values()} - {""}
    for proto in protos.values():
        for key, opts in proto.options.items():
            assert key in metrics or key in groups, f"{proto.label}: {key} is not an installed metric or group"
            declared = (shared_option_names(metrics, key) if key in groups
                        else {o.name for o in metrics[key].option_specs()})
            assert set(opts) <= declared, f"{proto.label}: {key} has no {set(opts) - declared}"


def test_lrs_preset_values_are_todays_defaults(registered):
    """`lrs` is today's default: the preset and no preset give the same options (same cache)."""
    protos, metrics = registered
    for m in ("lse_c", "lse_d"):
        defaults = {o.name: o.default for o in metrics[m].option_specs()}
        assert {k: defaults[k] for k in protos["lrs"].options["syncnet"]} == protos["lrs"].options["syncnet"]


def test_readme_protocols_table_is_the_registered_presets(registered):
    protos, _ = registered
    text = README.read_text()
    m = re.search(r"<!-- protocols table:[^\n]*-->\n(.*?)<!-- end of protocols table -->", text, flags=re.S)
    assert m, "README lacks the protocols table markers"
    assert m.group(1) == markdown_table(protos), (
        "README's protocols table is stale: replace it with the output of `talkbench protocols --markdown`")
