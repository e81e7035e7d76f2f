"""The layout of DEVELOPERS.md, checked: the core never imports a plugin, plugins use only the
public API, every built-in registers through the entry-point group, modules stay readable."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CORE = REPO / "talkbench"
PLUGIN_DIRS = sorted(
    [p for p in (REPO / "plugins").iterdir() if p.is_dir() and p.name.startswith("talkbench_")]
    + [p for p in (REPO / "baselines").iterdir() if p.is_dir() and p.name.startswith("talkbench_")]
    + [REPO / "syncdiff_model"]
)
PLUGIN_PACKAGES = {p.name for p in PLUGIN_DIRS}
# Public namespaces of the core a plugin may import from (talkbench/__init__.py re-exports them).
PUBLIC = {"talkbench", "talkbench.faces"}


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(), filename=str(path))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.append((node.lineno, node.module))
    return out


def test_core_never_imports_a_plugin():
    leaks = [
        f"{f.relative_to(REPO)}:{line} imports {mod}"
        for f in CORE.rglob("*.py")
        for line, mod in _imports(f)
        if mod.split(".")[0] in PLUGIN_PACKAGES
    ]
    assert not leaks, "\n".join(leaks)


@pytest.mark.parametrize("pkg", PLUGIN_DIRS, ids=lambda p: p.name)
def test_plugins_import_only_the_public_api(pkg):
    bad = [
        f"{f.relative_to(REPO)}:{line} imports {mod}"
        for f in pkg.rglob("*.py")
        for line, mod in _imports(f)
        if mod.startswith("talkbench.") and mod not in PUBLIC
    ]
    assert not bad, "plugins must import from `talkbench` only:\n" + "\n".join(bad)


def test_every_builtin_is_an_entry_point():
    eps = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["entry-points"]["talkbench"]
    targets = {v.split(":")[0].split(".")[0] for v in eps.values()}
    assert PLUGIN_PACKAGES <= targets, f"not registered: {PLUGIN_PACKAGES - targets}"


def test_modules_stay_readable():
    long = [
        f"{f.relative_to(REPO)}: {n} lines"
        for base in [CORE, *PLUGIN_DIRS]
        for f in base.rglob("*.py")
        if (n := len(f.read_text().splitlines())) > 400
    ]
    assert not long, "split these modules by responsibility:\n" + "\n".join(long)


def test_the_public_api_is_a_literal_all_that_lists_every_public_name():
    import types

    import talkbench

    tree = ast.parse((CORE / "__init__.py").read_text())
    literal = [n for n in tree.body if isinstance(n, ast.Assign) and any(
        isinstance(t, ast.Name) and t.id == "__all__" for t in n.targets)]
    assert len(literal) == 1 and isinstance(literal[0].value, ast.List), "__all__ must be one literal list"
    names = ast.literal_eval(literal[0].value)
    assert len(names) == len(set(names)) and all(hasattr(talkbench, n) for n in names)
    public = {n for n, v in vars(talkbench).items()
              if not n.startswith("_") and not isinstance(v, types.ModuleType)}
    assert public <= set(names), f"missing from __all__: {public - set(names)}"


HEAVY = ("torch", "cv2", "diffusers", "accelerate", "scipy", "lpips", "safetensors", "dlib", "sentencepiece")
# imagequality imports its metric modules (cv2) at the top; lazy like the others, it leaves this set
EAGER_PLUGINS = {"talkbench_imagequality"}


def test_plugin_init_modules_import_heavy_code_only_inside_their_hooks():
    """Importing and registering a plugin (all that `talkbench --help` / `plugins` do) stays cheap."""
    import json
    import subprocess
    import sys

    lazy = sorted(PLUGIN_PACKAGES - EAGER_PLUGINS)
    probe = (
        "import importlib, json, sys\n"
        "import talkbench, pluggy\n"
        "from talkbench import hookspecs\n"
        "pm = pluggy.PluginManager('talkbench'); pm.add_hookspecs(hookspecs)\n"
        "out = {}\n"
        "for name in json.loads(sys.argv[1]):\n"
        "    before = set(sys.modules)\n"
        "    pm.register(importlib.import_module(name), name=name)\n"
        "    out[name] = sorted({m.split('.')[0] for m in set(sys.modules) - before} & set(json.loads(sys.argv[2])))\n"
        "print(json.dumps(out))\n"
    )
    proc = subprocess.run([sys.executable, "-c", probe, json.dumps(lazy), json.dumps(HEAVY)],
                          capture_output=True, text=True, timeout=300, check=True)
    heavy = {k: v for k, v in json.loads(proc.stdout).items() if v}
    assert heavy == {}, f"plugin __init__ modules that import heavy libraries at the top: {heavy}"
