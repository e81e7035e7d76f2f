"""One plan, no side channels: the plan carries what a run needs, metrics are built once, each
score file is read once per record build, one list of video suffixes, no runner import circle."""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

import talkbench
from talkbench.runner import merge_run, run_benchmark

ROOT = Path(__file__).resolve().parents[2]


def test_the_plan_carries_transcripts_weights_and_metrics(fake_plugins, tmp_path):
    from talkbench.runner.plan import make_plan

    plan = make_plan("copygen", "fakeds", metrics=["mae", "words"], limit=2, out=tmp_path,
                     dataset_options={"transcripts": False})
    assert plan.has_transcripts is False and plan.generator_weights == {}
    assert [m.name for m in plan.metrics] == ["mae", "words"] and plan.video_match is None
    assert plan.clip_ids == ["test000", "test001"]


def test_metrics_are_built_once_per_run(fake_plugins, tmp_path, monkeypatch):
    made = Counter()
    init = fake_plugins.MAE.__init__

    def counting(self, **kw):
        made["mae"] += 1
        init(self, **kw)

    monkeypatch.setattr(fake_plugins.MAE, "__init__", counting)
    run_benchmark("copygen", "fakeds", metrics=["mae"], limit=3, out=tmp_path, device="cpu", progress=False)
    assert made["mae"] == 1


def _count_score_reads(monkeypatch) -> Counter:
    """Reads of score files by the record builder, per file name."""
    import talkbench.runner.recordbuild as rb

    reads: Counter = Counter()
    real = rb.read_json

    def counting(path, *a, **kw):
        if Path(path).parent.name == "scores":
            reads[Path(path).name] += 1
        return real(path, *a, **kw)

    monkeypatch.setattr(rb, "read_json", counting)
    return reads


def test_each_score_file_is_read_once_per_record_build(fake_plugins, tmp_path, monkeypatch):
    reads = _count_score_reads(monkeypatch)
    run_dir = run_benchmark("copygen", "fakeds", metrics=["mae"], limit=4, out=tmp_path, device="cpu",
                            progress=False)
    assert sorted(reads.values()) == [1, 1, 1, 1]  # was 2 (record, then per_clip.csv)
    reads.clear()
    merge_run(run_dir)
    assert sorted(reads.values()) == [1, 1, 1, 1]  # was 3 (the missing-clip check on top)


def test_evaluate_and_merge_plan_the_same_clips(fake_plugins, tmp_path):
    """The plan matches the videos (evaluate does not rewrite its clips afterwards), so merge
    rebuilds the record of an evaluate run with the same clips and match summary."""
    from talkbench.runner import evaluate_videos

    made = run_benchmark("copygen", "fakeds", metrics=["mae"], limit=4, out=tmp_path / "made", device="cpu",
                         progress=False, score_from="encoded")
    videos = tmp_path / "other"
    videos.mkdir()
    for cid in ("test000", "test003"):
        shutil.copy(made / "videos" / f"{cid}.mp4", videos / f"{cid}.mp4")
    shutil.copy(made / "videos" / "test001.mp4", videos / "test001.mpg")  # .mpg is a video too
    run_dir, match = evaluate_videos(videos, "fakeds", limit=4, metrics=["mae"], out=tmp_path / "ev",
                                     device="cpu", progress=False)
    assert sorted(match.matched) == ["test000", "test001", "test003"]
    first = json.loads((run_dir / "record.json").read_text())
    (run_dir / "record.json").unlink()
    merge_run(run_dir)
    merged = json.loads((run_dir / "record.json").read_text())
    assert merged["dataset"]["n_clips"] == first["dataset"]["n_clips"] == 3
    assert merged["evaluate"] == first["evaluate"] == {
        "matched": 3, "unmatched_files": [], "clips_without_video": ["test002"]}
    assert merged["metrics"]["mae"]["value"] == first["metrics"]["mae"]["value"]


def test_one_list_of_video_suffixes():
    from talkbench.videofiles import VIDEO_SUFFIXES

    assert talkbench.VIDEO_SUFFIXES is VIDEO_SUFFIXES and ".mpg" in VIDEO_SUFFIXES
    # no other module of the core spells out its own suffix list
    for path in (ROOT / "talkbench").rglob("*.py"):
        if path.name == "videofiles.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.Tuple, ast.Set, ast.List)):
                consts = {e.value for e in node.elts if isinstance(e, ast.Constant)}
                assert not {".mp4", ".avi"} <= consts, f"{path}: a video suffix list of its own"


@pytest.mark.parametrize("module", ["core", "evaluate", "plan", "recordbuild", "clipwork"])
def test_runner_modules_import_alone(module):
    """Each runner module imports on its own in a fresh interpreter (an import circle between
    core and evaluate made ``import talkbench.runner.evaluate`` depend on import order)."""
    res = subprocess.run([sys.executable, "-c", f"import talkbench.runner.{module}"], capture_output=True,
                         text=True, cwd=ROOT, timeout=120)
    assert res.returncode == 0, res.stderr


def _runner_imports(module: str) -> set[str]:
    """The talkbench.runner modules ``module`` imports, at the top or inside functions."""
    tree = ast.parse((ROOT / "talkbench" / "runner" / f"{module}.py").read_text())
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("talkbench.runner."):
            out.add(node.module.rsplit(".", 1)[-1])
    return out


def test_no_import_circle_in_the_runner():
    modules = [p.stem for p in (ROOT / "talkbench" / "runner").glob("*.py") if p.stem != "__init__"]
    graph = {m: _runner_imports(m) & set(modules) for m in modules}

    def reaches(a: str, b: str, seen: set[str]) -> bool:
        return any(n == b or (n not in seen and reaches(n, b, seen | {n})) for n in graph[a])

    circles = sorted(m for m in modules if reaches(m, m, {m}))
    assert circles == [], f"runner modules in an import circle: {circles}"


def _core_import_graph() -> dict[str, set[str]]:
    """talkbench module -> the talkbench modules it imports (top level or inside functions;
    a submodule's import of its own parent package is not an edge)."""
    mods = {}
    for p in (ROOT / "talkbench").rglob("*.py"):
        name = ".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        mods[name] = p
    graph = {}
    for name, p in mods.items():
        deps = set()
        for node in ast.walk(ast.parse(p.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("talkbench"):
                deps |= {f"{node.module}.{a.name}" if f"{node.module}.{a.name}" in mods else node.module
                         for a in node.names}
            elif isinstance(node, ast.Import):
                deps |= {a.name for a in node.names if a.name.startswith("talkbench")}
        graph[name] = {d for d in deps if d in mods and d != name and not name.startswith(d + ".")}
    return graph


def _circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while not comp or comp[-1] != v:
                comp.append(stack.pop())
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return sorted(out)


def test_no_new_import_circle_in_the_core():
    """runner/core <-> runner/evaluate, datasets/common <-> datasets/lrs and interfaces <->
    plugins <-> weights (the registry now hands weights.py its lookup) are gone: none may come back."""
    assert _circles(_core_import_graph()) == []
