"""Plugin manager and hooks: every hookspec documented and exercised, load control, did-you-mean."""

from __future__ import annotations

import inspect

import click
import pytest
from click.testing import CliRunner

from talkbench import hookimpl, hookspecs, plugins
from talkbench.errors import TalkbenchError, UnknownNameError
from talkbench.weights import WeightSpec

HOOKS = ["register_generators", "register_metrics", "register_datasets", "register_weights",
         "register_commands", "register_trainers", "register_protocols"]


def test_every_hookspec_is_documented_and_bodyless():
    specs = [n for n, f in vars(hookspecs).items() if callable(f) and hasattr(f, "talkbench_spec")]
    assert sorted(specs) == sorted(HOOKS)
    for name in specs:
        fn = getattr(hookspecs, name)
        doc = inspect.getdoc(fn)
        assert doc and len(doc.splitlines()) == 1, name
        src = inspect.getsource(fn).strip().splitlines()
        assert src[-1].strip().startswith('"""'), f"{name} must have no body"


def _register(obj, monkeypatch):
    monkeypatch.setenv("TALKBENCH_LOAD_PLUGINS", "")
    plugins.reset_plugins()
    plugins.pm.register(obj, name="_probe")
    return obj


@pytest.fixture
def probe(monkeypatch):
    registered = []

    def add(obj):
        registered.append(_register(obj, monkeypatch))
        return obj

    yield add
    for obj in registered:
        plugins.pm.unregister(obj, name="_probe")
    plugins.reset_plugins()


def test_register_generators_hook(fake_plugins):
    gens = plugins.get_generators()
    assert gens["copygen"].__name__ == "CopyGen" and plugins.get_generator("copygen") is gens["copygen"]


def test_register_metrics_hook(fake_plugins):
    assert {"mae", "loud", "words", "noweights", "flaky"} <= set(plugins.get_metrics())
    assert plugins.get_metric("mae").card()["higher_is_better"] is False


def test_register_datasets_hook(fake_plugins):
    ds = plugins.get_dataset("fakeds")(n=3)
    assert ds.clip_ids("test") == ["test000", "test001", "test002"]


def test_register_weights_hook(probe):
    class W:
        @hookimpl
        def register_weights(self, register):
            register(WeightSpec("probe-w", "probe.pth", urls=("https://example.org/probe.pth",)))

    probe(W())
    specs = plugins.get_weight_specs()
    assert specs["probe-w"].filename == "probe.pth"


def test_register_trainers_hook(probe):
    from talkbench import Trainer

    class T(Trainer):
        name = "probetrain"
        presets = {"tiny": {}}

        def train(self, dataset, *, split, out_dir, device="cpu", seed=0, resume=False, max_steps=None):
            return out_dir

    class P:
        @hookimpl
        def register_trainers(self, register):
            register(T)

    probe(P())
    assert plugins.get_trainer("probetrain") is T
    with pytest.raises(UnknownNameError, match="unknown trainer 'probetrai'. Did you mean 'probetrain'"):
        plugins.get_trainer("probetrai")


def test_register_commands_hook(probe):
    import talkbench.cli as tcli

    @click.command(epilog="Example: talkbench hello")
    def hello():
        """Say hello."""
        click.echo("hello from a plugin")

    class C:
        @hookimpl
        def register_commands(self, cli):
            cli.add_command(hello)

    probe(C())
    plugins.pm.hook.register_commands(cli=tcli.cli)
    try:
        res = CliRunner().invoke(tcli.cli, ["hello"])
        assert res.exit_code == 0 and res.output == "hello from a plugin\n"
    finally:
        tcli.cli.commands.pop("hello", None)


def test_registering_without_a_name_is_an_error(probe):
    class Nameless:
        name = ""

    class P:
        @hookimpl
        def register_generators(self, register):
            register(Nameless)

    probe(P())
    with pytest.raises(TalkbenchError, match="a generator registered without a name"):
        plugins.get_generators()


def test_did_you_mean_for_unknown_names(fake_plugins):
    with pytest.raises(UnknownNameError) as e:
        plugins.get_generator("copy-gen")
    assert str(e.value) == "unknown model 'copy-gen'. Did you mean 'copygen'? Known models: copygen"
    with pytest.raises(UnknownNameError, match="unknown metric 'lowd'. Did you mean 'loud'"):
        plugins.get_metric("lowd")
    with pytest.raises(UnknownNameError, match="unknown dataset 'zzz'. Known datasets: fakeds$"):
        plugins.get_dataset("zzz")


def test_load_plugins_env_limits_entry_points(monkeypatch):
    monkeypatch.setenv("TALKBENCH_LOAD_PLUGINS", "builtins")
    plugins.reset_plugins()
    try:
        names = [p.name for p in plugins.list_plugins()]
        assert names == ["builtins"]
        assert "gt" in plugins.get_generators() and not plugins.get_metrics()
        monkeypatch.setenv("TALKBENCH_LOAD_PLUGINS", "")
        plugins.reset_plugins()
        assert plugins.list_plugins() == [] and plugins.get_generators() == {}
    finally:
        monkeypatch.delenv("TALKBENCH_LOAD_PLUGINS")
        plugins.reset_plugins()


def test_a_plugin_that_raises_at_import_warns_once_and_others_load(monkeypatch, capsys):
    from importlib import metadata

    real = metadata.entry_points

    class EP:
        name, value, group, dist = "explodes", "talkbench_explodes", "talkbench", None

        def load(self):
            raise RuntimeError("bad plugin\nsecond line")

    def fake_entry_points(**kw):
        return list(real(**kw)) + [EP()] if kw.get("group") == "talkbench" else real(**kw)

    monkeypatch.setattr(metadata, "entry_points", fake_entry_points)
    monkeypatch.setenv("TALKBENCH_LOAD_PLUGINS", "builtins,explodes")
    plugins.reset_plugins()
    try:
        infos = {p.name: p for p in plugins.list_plugins()}
        err = capsys.readouterr().err.strip().splitlines()
        assert err == ["talkbench: warning: plugin 'explodes' failed to load (RuntimeError: bad plugin)"]
        assert infos["explodes"].error == "RuntimeError: bad plugin"
        assert "register_generators" in infos["builtins"].hooks
        assert "static" in plugins.get_generators()
    finally:
        monkeypatch.undo()
        plugins.reset_plugins()



def _generator_plugin(cls):
    class P:
        @hookimpl
        def register_generators(self, register):
            register(cls)

    return P()


def test_a_name_registered_by_two_plugins_is_an_error_naming_both(fake_plugins):
    class Impostor(fake_plugins.CopyGen):
        pass

    plugins.pm.register(_generator_plugin(Impostor), name="_impostor")
    try:
        with pytest.raises(TalkbenchError) as e:
            plugins.get_generators()
        assert str(e.value) == (
            "generator 'copygen' is registered twice: by plugin '_fakes' and by plugin '_impostor'; "
            "uninstall one, or load only one with TALKBENCH_LOAD_PLUGINS")
    finally:
        plugins.pm.unregister(name="_impostor")
    assert plugins.get_generators()["copygen"] is fake_plugins.CopyGen  # the clash goes with the plugin


def test_a_name_registered_twice_by_one_plugin_is_an_error(probe):
    from talkbench.weights import WeightSpec

    class W:
        @hookimpl
        def register_weights(self, register):
            register(WeightSpec("twice", "a.pth"))
            register(WeightSpec("twice", "b.pth"))

    probe(W())
    with pytest.raises(TalkbenchError, match="weights file 'twice' is registered twice: by plugin '_probe' and by plugin '_probe'"):
        plugins.get_weight_specs()


@pytest.mark.parametrize("getter, hook, obj, expected", [
    ("get_generators", "register_generators", type("NotAGenerator", (), {"name": "nag"}), "talkbench.Generator"),
    ("get_metrics", "register_metrics", type("NotAMetric", (), {"name": "nam"}), "talkbench.Metric"),
    ("get_datasets", "register_datasets", type("NotADataset", (), {"name": "nad"}), "talkbench.Dataset"),
    ("get_trainers", "register_trainers", type("NotATrainer", (), {"name": "nat"}), "talkbench.Trainer"),
    ("get_weight_specs", "register_weights", type("Spec", (), {"name": "nws"})(), "talkbench.WeightSpec"),
])
def test_registering_the_wrong_kind_of_object_is_a_type_error(probe, getter, hook, obj, expected):
    import types

    probe(types.SimpleNamespace(**{hook: hookimpl(lambda register: register(obj))}))
    with pytest.raises(TypeError, match=f"plugin '_probe' registered .* expected a (subclass of )?{expected}$"):
        getattr(plugins, getter)()


def test_registries_are_built_once_and_rebuilt_when_plugins_change(fake_plugins):
    calls = []

    class Counting:
        @hookimpl
        def register_generators(self, register):
            calls.append(1)

    plugins.pm.register(Counting(), name="_counting")
    try:
        for _ in range(3):
            assert "copygen" in plugins.get_generators()
            plugins.get_generator("copygen")
        assert len(calls) == 1  # one hook round however many lookups
        plugins.get_generators().pop("copygen")  # callers get a copy: the registry stays whole
        assert "copygen" in plugins.get_generators()

        class Late(fake_plugins.CopyGen):
            name = "lategen"

        plugins.pm.register(_generator_plugin(Late), name="_late")  # registered at run time: seen at once
        assert plugins.get_generator("lategen") is Late and len(calls) == 2
        plugins.pm.unregister(name="_late")
        assert "lategen" not in plugins.get_generators() and len(calls) == 3
    finally:
        plugins.pm.unregister(name="_counting")


def test_python_m_talkbench_runs_the_cli_and_the_plugin_filter_applies_to_plugins(tmp_path):
    import os
    import subprocess
    import sys

    env = {**os.environ, "TALKBENCH_LOAD_PLUGINS": "builtins,imagequality"}
    proc = subprocess.run([sys.executable, "-m", "talkbench", "plugins"], capture_output=True, text=True,
                          env=env, timeout=120, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert [line.split()[0] for line in proc.stdout.splitlines()] == ["builtins", "imagequality"]
    assert proc.stdout.splitlines()[1].endswith("talkbench_imagequality  register_metrics,register_weights")


def _readme_plugin_section() -> str:
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    start = text.index("## Write a plugin")
    end = text.index("\n## ", start + 1)
    return text[start:end]


@pytest.mark.parametrize("name", HOOKS)
def test_every_hookspec_is_documented_in_the_readme_with_its_signature(name):
    """As datasette's test_plugin_hooks_are_documented: the README's list is the spec's."""
    import re

    fn = getattr(hookspecs, name)
    signature = f"{name}({', '.join(inspect.signature(fn).parameters)})"
    section = _readme_plugin_section()
    entries = dict(re.findall(r"^- `(register_\w+\([^)]*\))`: (.+)$", section, flags=re.M))
    assert signature in entries, f"README 'Write a plugin' lacks `{signature}`"
    assert entries[signature] == inspect.getdoc(fn)
    assert sorted(k.split("(")[0] for k in entries) == sorted(HOOKS)  # nothing documented that is gone
