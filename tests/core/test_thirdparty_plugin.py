"""A tiny third-party package found through its entry point; a broken one costs one warning."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PLUGIN = REPO / "tests" / "thirdparty_plugin"


def _dist(site: Path, name: str, version: str, entry: str) -> None:
    """What pip would write: a .dist-info with METADATA and entry_points.txt."""
    info = site / f"{name.replace('-', '_')}-{version}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
    (info / "entry_points.txt").write_text(f"[talkbench]\n{entry}\n")


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    site = tmp_path_factory.mktemp("site")
    shutil.copytree(PLUGIN / "talkbench_mirror", site / "talkbench_mirror")
    _dist(site, "talkbench-mirror", "0.3.0", "mirror = talkbench_mirror")
    (site / "talkbench_broken.py").write_text("raise ImportError('needs libfoo 2.0')\n")
    _dist(site, "talkbench-broken", "1.0", "broken = talkbench_broken")
    return site


def _talkbench(site: Path, *args: str, load: str | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(site), str(REPO)]), OMP_NUM_THREADS="1")
    env.pop("TALKBENCH_LOAD_PLUGINS", None)
    if load is not None:
        env["TALKBENCH_LOAD_PLUGINS"] = load
    return subprocess.run([sys.executable, "-m", "talkbench.cli", *args], env=env, capture_output=True,
                          text=True, timeout=600)


def test_plugins_lists_third_party_with_version_and_broken_one_warns(site):
    proc = _talkbench(site, "plugins")
    assert proc.returncode == 0, proc.stderr
    lines = {line.split()[0]: line for line in proc.stdout.splitlines() if line.strip()}
    assert lines["mirror"].split()[:4] == ["mirror", "talkbench-mirror", "0.3.0", "talkbench_mirror"]
    assert "register_generators" in lines["mirror"]
    assert lines["broken"].split()[:3] == ["broken", "talkbench-broken", "1.0"]
    assert "ERROR: ImportError: needs libfoo 2.0" in lines["broken"]
    assert "builtins" in lines  # the others still load
    warnings = [l for l in proc.stderr.splitlines() if "broken" in l]
    assert warnings == ["talkbench: warning: plugin 'broken' failed to load (ImportError: needs libfoo 2.0)"]


def test_run_uses_the_third_party_generator(site, tmp_path):
    out = tmp_path / "res"
    proc = _talkbench(site, "run", "--model", "mirror", "--dataset", "demo", "--limit", "2", "--metrics", "psnr",
                      "--out", str(out), "-q", load="builtins,imagequality,mirror")
    assert proc.returncode == 0, proc.stderr[-3000:]
    rec_path = next(out.rglob("record.json"))
    rec = json.loads(rec_path.read_text())
    assert rec["model"]["name"] == "mirror" and rec["model"]["version"] == "0.3.0"
    assert rec["model"]["options"] == {"flip": True}
    assert rec["dataset"]["name"] == "demo" and rec["dataset"]["n_clips"] == 2
    assert rec["metrics"]["psnr"]["status"] == "ok" and rec["metrics"]["psnr"]["n_clips"] == 2
    assert len(list((rec_path.parent / "videos").glob("*.mp4"))) == 2
    assert proc.stdout.strip().splitlines()[-1] == f"record: {rec_path}"
    # models --options shows its declared option
    proc = _talkbench(site, "models", "--options", load="mirror")
    assert "mirror  v0.3.0" in proc.stdout and "--option flip: bool = True" in proc.stdout
