"""Docs that cannot drift: every repository file a Markdown page names must exist.

Two kinds of reference are checked in every tracked .md file: a relative Markdown link
``[text](path)`` (resolved beside the page) and a backticked path that starts at one of the
repository's top-level source folders (``tests/...``, ``plugins/...``: resolved at the root).
A renamed test or module then fails here instead of leaving a stale pointer in a README.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
TOP = ("talkbench", "plugins", "baselines", "syncdiff_model", "tests", "benchmarks", "results")
LINK = re.compile(r"\[[^\]]*\]\(([^)\s#]+)(?:#[^)]*)?\)")
TICKED = re.compile(r"`((?:%s)/[\w./-]+\.\w+)`" % "|".join(TOP))


def _markdown_files() -> list[Path]:
    try:
        out = subprocess.run(["git", "ls-files", "*.md"], cwd=REPO, capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError) as exc:
        pytest.skip(f"git ls-files failed here ({exc}); the check needs a git checkout")
    return [REPO / p for p in out.stdout.split()]


def _missing_refs(page: Path) -> list[str]:
    text = page.read_text(encoding="utf-8")
    missing = []
    for target in LINK.findall(text):
        if "://" in target or target.startswith(("mailto:", "/")):
            continue  # web links and absolute paths are not the repository's files
        if not (page.parent / target).exists():
            missing.append(f"link {target}")
    for target in TICKED.findall(text):
        if any(ch in target for ch in "*<>{}") or (REPO / target).exists():
            continue  # patterns and placeholders name no single file
        missing.append(f"`{target}`")
    return missing


def test_markdown_pages_name_only_files_that_exist():
    pages = _markdown_files()
    assert any(p.name == "README.md" for p in pages)  # the check really read the docs
    stale = {str(p.relative_to(REPO)): m for p in pages if (m := _missing_refs(p))}
    assert not stale, f"stale file references (rename the reference or restore the file): {stale}"


def test_a_renamed_file_is_caught(tmp_path):
    page = tmp_path / "README.md"
    page.write_text("see [notes](NOTES.md) and `tests/syncnet/test_calibration.py`\n")
    assert _missing_refs(page) == ["link NOTES.md", "`tests/syncnet/test_calibration.py`"]
