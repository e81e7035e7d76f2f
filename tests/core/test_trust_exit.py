"""Failures are visible: no clip aborts the others, exit status 3, n/N marks in tables."""

from __future__ import annotations

import json

from click.testing import CliRunner

from talkbench.cli import cli

from .trust_helpers import with_folder, write_clip  # noqa: F401  (fixture)


def _run(*args):
    return CliRunner().invoke(cli, list(args))


def test_unreadable_first_clip_does_not_abort_and_exit_status_is_3(with_folder, tmp_path):
    root = tmp_path / "data"
    root.mkdir()
    (root / "a.mp4").write_bytes(b"")  # sorts first, cannot be read
    write_clip(root / "b.mp4", 1)
    args = ("run", "--model", "gt", "--dataset", "folder", "--data-root", str(root), "--metrics", "mae",
            "--out", str(tmp_path / "out"), "-q", "--device", "cpu")
    res = _run(*args)
    assert res.exit_code == 3, res.output
    rec_path = next((tmp_path / "out").rglob("record.json"))
    assert f"scored 1 of 2 clips; 1 failed: see {rec_path}" in res.output
    rec = json.loads(rec_path.read_text())
    assert rec["metrics"]["mae"]["n_clips"] == 1
    assert [f["clip_id"] for f in rec["failures"]] == ["a"] and rec["failures"][0]["stage"] == "load"
    assert rec["coverage"]["failed_clips"] == ["a"] and rec["dataset"]["split_size"] == 2
    assert _run(*args, "--allow-failures").exit_code == 0


def test_complete_run_exits_0(with_folder, tmp_path):
    res = _run("run", "--model", "copygen", "--dataset", "fakeds", "--dataset-option", "n=2", "--metrics", "mae",
               "--out", str(tmp_path), "-q")
    assert res.exit_code == 0, res.output
    assert "scored 2 of 2 clips\n" in res.output


def test_failed_generation_exits_3_and_table_marks_n_of_N(with_folder, tmp_path):
    from talkbench.records import load_records
    from talkbench.reports import render_table

    with_folder.BEHAVIOUR["test001"] = "crash"
    base = ("run", "--dataset", "fakeds", "--dataset-option", "n=4", "--metrics", "mae", "--out", str(tmp_path), "-q")
    assert _run(*base, "--model", "copygen", "--label", "Failing").exit_code == 3
    assert _run(*base, "--model", "copygen", "--option", "gain=5", "--limit", "2", "--label", "Limited").exit_code == 3
    with_folder.BEHAVIOUR.clear()
    assert _run(*base, "--model", "copygen", "--option", "gain=9", "--label", "Complete").exit_code == 0
    records = load_records(tmp_path)
    md = render_table(records, fmt="markdown", metrics=["mae"], layout="simple")
    rows = {line.split("|")[1].strip(): line for line in md.splitlines() if line.startswith("| ") and "Method" not in line}
    assert len(rows) == 3, md
    cells = sorted(line.split("|")[2].strip() for line in rows.values())
    assert sum(c.endswith("(3/4)") for c in cells) == 1, md
    assert sum(c.endswith("(1/4)") for c in cells) == 1, md   # --limit 2 with one of them failed
    assert sum("/" not in c for c in cells) == 1, md          # the complete run: no mark
    assert "n/N: computed on n of the N clips the split holds" in md
    latex = render_table(records, fmt="latex", metrics=["mae"], layout="simple")
    assert "(3/4)" in latex and "n/N: computed on n" in latex
    # CSV stays numbers (scripts parse it); JSON carries the coverage of each cell
    csv_text = render_table(records, fmt="csv", metrics=["mae"], layout="simple")
    assert "/4" not in csv_text
    for line in csv_text.splitlines()[1:]:
        float(line.split(",")[-1])
    table = json.loads(render_table(records, fmt="json", metrics=["mae"], layout="simple"))
    assert sorted(str(r["cells"][0]["coverage"]) for r in table["rows"]) == ["1/4", "3/4", "None"]


def _sharded_run(out, *extra):
    """A 3-clip run as two --shard jobs; returns the run directory and the last job's result."""
    base = ("run", "--model", "copygen", "--dataset", "fakeds", "--dataset-option", "n=3", "--metrics", "mae",
            "--out", str(out), "-q", *extra)
    first = _run(*base, "--shard", "0/2")
    assert first.exit_code == 0, first.output  # no record yet: a shard that wrote none exits 0
    last = _run(*base, "--shard", "1/2")
    return next((out / "runs").iterdir()), last


def test_merge_exits_3_when_a_clip_failed_and_0_with_allow_failures(with_folder, tmp_path):
    with_folder.BEHAVIOUR["test001"] = "crash"  # shard 1/2's clip
    run_dir, last = _sharded_run(tmp_path)
    assert last.exit_code == 3, last.output  # the last shard wrote the record
    (run_dir / "record.json").unlink()
    res = _run("merge", str(run_dir))
    assert res.exit_code == 3, res.output
    rec = json.loads((run_dir / "record.json").read_text())  # written before the status
    assert rec["merged_by"] == "talkbench merge"
    assert rec["coverage"]["failed_clips"] == ["test001"] and not rec["coverage"]["complete"]
    assert f"scored 2 of 3 clips; 1 failed: see {run_dir / 'record.json'}" in res.output
    res = _run("merge", "--allow-failures", str(run_dir))
    assert res.exit_code == 0, res.output


def test_merge_of_several_runs_exits_3_naming_the_incomplete_one(with_folder, tmp_path):
    good, last = _sharded_run(tmp_path / "good")
    assert last.exit_code == 0, last.output
    with_folder.BEHAVIOUR["test002"] = "crash"
    bad, last = _sharded_run(tmp_path / "bad")
    assert last.exit_code == 3, last.output
    res = _run("merge", str(good), str(bad))
    assert res.exit_code == 3, res.output
    assert f"talkbench: 1 of 2 runs incomplete (exit 3; --allow-failures exits 0): {bad.name}" in res.output
    assert _run("merge", str(good)).exit_code == 0
    assert _run("merge", str(good), str(bad), "--allow-failures").exit_code == 0


def test_merge_and_demo_help_document_allow_failures():
    for command in ("merge", "demo"):
        out = _run(command, "--help").output
        assert "--allow-failures" in out and "exit 0 even if some clips failed" in out, out
        assert "3 when some" in " ".join(out.split()), out
