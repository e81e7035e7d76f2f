"""The rich bar ``talkbench.progress.progress_bar`` draws on a terminal.

A module of its own so that rich loads when a bar is first drawn, not with ``import talkbench``
(which `talkbench --help` and every listing command pay for).
"""

from __future__ import annotations

from typing import IO

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from talkbench.progress import average_rate, format_rate


class RateColumn(ProgressColumn):
    """Average items per second since the start, e.g. ``3.20 clips/s`` or ``24.5 s/clip``."""

    def __init__(self, unit: str = "clips") -> None:
        super().__init__()
        self.unit = unit

    def render(self, task) -> Text:
        elapsed = task.finished_time if task.finished else task.elapsed
        return Text(format_rate(average_rate(task.completed, elapsed), self.unit), style="cyan")


def terminal_progress(unit: str, stream: IO[str]) -> Progress:
    """Description, bar, n/total, average rate, elapsed and ETA; stays on screen when done."""
    return Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
        RateColumn(unit), TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
        console=Console(file=stream), transient=False,
    )
