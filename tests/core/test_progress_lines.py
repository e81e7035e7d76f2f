"""Progress: plain lines in a log (start, every N s, end), and a rate that agrees with elapsed."""

from __future__ import annotations

import io
from types import SimpleNamespace

import pytest

from talkbench.progress import LogBar, RateColumn, announce, average_rate, format_rate, progress_bar


def test_log_lines_at_start_periodically_and_at_the_end(monkeypatch):
    monkeypatch.setenv("TALKBENCH_PROGRESS_EVERY", "0")  # a line after every item
    out = io.StringIO()  # not a terminal, like `2> log`
    with progress_bar(3, "gt on demo/test", stream=out) as bar:
        for _ in range(3):
            bar.advance()
    lines = out.getvalue().splitlines()
    assert lines[0] == "gt on demo/test: 0/3 clips, -- clips/s, elapsed 0:00:00, ETA --"
    assert [ln.split(": ")[1].split()[0] for ln in lines] == ["0/3", "1/3", "2/3", "3/3"]
    assert lines[-1].endswith(", ETA 0:00:00")


def test_log_line_rate_and_eta_use_the_elapsed_clock():
    now = [100.0]
    bar = LogBar(8, "scoring", "clips", io.StringIO(), every=1e9, clock=lambda: now[0])
    now[0] += 784.0  # 13:04 for 8 clips: 98 s per clip, not "0.54 clips/s"
    bar.advance(8)
    assert bar.line() == "scoring: 8/8 clips, 98.0 s/clip, elapsed 0:13:04, ETA 0:00:00"
    bar = LogBar(10, "train", "steps", io.StringIO(), every=1e9, clock=lambda: now[0])
    now[0] += 20.0
    bar.advance(4)
    assert bar.line() == "train: 4/10 steps, 0.20 steps/s, elapsed 0:00:20, ETA 0:00:30"


def test_terminal_rate_column_is_completed_over_elapsed():
    col = RateColumn("clips")
    # rich's windowed `speed` would say 0.54 here; the column must not use it
    task = SimpleNamespace(completed=8, elapsed=784.0, finished=True, finished_time=784.0, speed=0.54,
                           finished_speed=0.54)
    assert col.render(task).plain == "98.0 s/clip"
    task = SimpleNamespace(completed=30, elapsed=10.0, finished=False, finished_time=None, speed=9.0,
                           finished_speed=None)
    assert col.render(task).plain == "3.00 clips/s"
    assert average_rate(0, 5.0) is None and format_rate(None, "steps") == "-- steps/s"


def test_an_error_inside_the_loop_still_logs_how_far_it_got():
    out = io.StringIO()
    with pytest.raises(RuntimeError):
        with progress_bar(5, "prepare", stream=out) as bar:
            bar.advance(2)
            raise RuntimeError("boom")
    assert out.getvalue().splitlines()[-1].startswith("prepare: 2/5 clips")


def test_announce_and_disabled():
    out = io.StringIO()
    announce("building the demo dataset", stream=out)
    announce("hidden", enabled=False, stream=out)
    with progress_bar(2, "quiet", enabled=False, stream=out) as bar:
        bar.advance(2)
    assert out.getvalue() == "talkbench: building the demo dataset\n"
