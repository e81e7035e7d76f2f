"""Progress for long loops: a rich bar on a terminal, plain lines in a log.

Shared by the runner and long loops in plugins (``talkbench.progress_bar``). A run whose stderr
is a file or a pipe (``2> log``, CI, ``| tee``) gets a line when the loop starts, at most every
``TALKBENCH_PROGRESS_EVERY`` seconds (default 10) while it runs, and when it ends, so the log
shows what a long step was doing and how far it got. On a terminal the rich bar stays on screen
when it finishes (not transient). ``announce("building the demo dataset")`` writes one such
line for a step that has no count.

The rate is completed / elapsed since the loop started, the same clock as the elapsed column;
rich's own speed is a sliding-window estimate that disagrees with the elapsed time it is shown
next to (``8/8 0.54 clips/s 0:13:04``).
"""

from __future__ import annotations

import os
import sys
import time
from contextlib import contextmanager
from functools import lru_cache
from typing import IO, TYPE_CHECKING, Any, Iterator

if TYPE_CHECKING:
    from rich.progress import Progress

# rich (~0.06 s to import) loads only when a bar is drawn on a terminal, not with
# `import talkbench`, which every command does.


def average_rate(completed: float, elapsed: float | None) -> float | None:
    """Items per second since the start (None before the first item or the first instant)."""
    if not completed or not elapsed or elapsed <= 0:
        return None
    return completed / elapsed


def format_rate(rate: float | None, unit: str) -> str:
    if rate is None:
        return f"-- {unit}/s"
    if rate < 0.1:  # slow loops read better as seconds per item
        return f"{1 / rate:.1f} s/{unit.rstrip('s') or unit}"
    return f"{rate:.2f} {unit}/s"


def _clock(seconds: float) -> str:
    s = int(round(seconds))
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


@lru_cache(maxsize=None)
def _rate_column() -> type:
    """``RateColumn``, a rich column, built on first use (rich is imported here)."""
    from rich.progress import ProgressColumn
    from rich.text import Text

    class RateColumn(ProgressColumn):
        """Average items per second since the start, e.g. ``3.20 clips/s`` or ``24.5 s/clip``."""

        def __init__(self, unit: str = "clips") -> None:
            super().__init__()
            self.unit = unit

        def render(self, task) -> Text:
            elapsed = task.finished_time if task.finished else task.elapsed
            return Text(format_rate(average_rate(task.completed, elapsed), self.unit), style="cyan")

    RateColumn.__module__, RateColumn.__qualname__ = __name__, "RateColumn"
    return RateColumn


class _Bar:
    def __init__(self, progress: Progress | None, task_id) -> None:
        self._progress, self._task = progress, task_id

    def advance(self, n: int = 1) -> None:
        if self._progress is not None:
            self._progress.advance(self._task, n)

    def describe(self, text: str) -> None:
        if self._progress is not None:
            self._progress.update(self._task, description=text)


class LogBar:
    """Plain progress lines for a log: start, every ``every`` seconds, end."""

    def __init__(self, total: int, description: str, unit: str, stream: IO[str], every: float,
                 clock=time.monotonic) -> None:
        self.total, self.description, self.unit = total, description, unit
        self.stream, self.every, self._clock = stream, every, clock
        self.completed = 0
        self.start = self._last = clock()

    def line(self) -> str:
        elapsed = self._clock() - self.start
        rate = average_rate(self.completed, elapsed)
        left = max(self.total - self.completed, 0)
        eta = f", ETA {_clock(left / rate) if rate else ('0:00:00' if not left else '--')}"
        return (f"{self.description}: {self.completed}/{self.total} {self.unit}, "
                f"{format_rate(rate, self.unit)}, elapsed {_clock(elapsed)}{eta}")

    def emit(self) -> None:
        print(self.line(), file=self.stream, flush=True)
        self._last = self._clock()

    def advance(self, n: int = 1) -> None:
        self.completed += n
        if self._clock() - self._last >= self.every and self.completed < self.total:
            self.emit()

    def describe(self, text: str) -> None:
        self.description = text


def _log_every() -> float:
    try:
        return max(0.0, float(os.environ.get("TALKBENCH_PROGRESS_EVERY", "10")))
    except ValueError:
        return 10.0


def announce(message: str, *, enabled: bool = True, stream: IO[str] | None = None) -> None:
    """One line saying what a step is doing (stderr; kept in logs and on terminals alike)."""
    if enabled:
        print(f"talkbench: {message}", file=stream or sys.stderr, flush=True)


@contextmanager
def progress_bar(total: int, description: str, *, unit: str = "clips", enabled: bool = True,
                 stream: IO[str] | None = None) -> Iterator[_Bar | LogBar]:
    """``with progress_bar(n, "gt on demo") as bar: ... bar.advance()`` (stderr; no-op if disabled)."""
    if not enabled:
        yield _Bar(None, None)
        return
    stream = stream or sys.stderr
    if not stream.isatty():
        bar = LogBar(total, description, unit, stream, _log_every())
        bar.emit()
        try:
            yield bar
        finally:  # also on an error: the log shows how far the loop got
            bar.emit()
        return
    from rich.console import Console
    from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn,
                               TimeRemainingColumn)

    progress = Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
        _rate_column()(unit), TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
        console=Console(file=stream), transient=False,
    )
    with progress:
        task = progress.add_task(description, total=total)
        yield _Bar(progress, task)


def __getattr__(name: str) -> Any:
    """``RateColumn`` loads rich, so it is made on first use (PEP 562)."""
    if name == "RateColumn":
        return _rate_column()
    raise AttributeError(f"module 'talkbench.progress' has no attribute {name!r}")
