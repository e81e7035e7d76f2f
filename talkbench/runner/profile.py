"""``--profile``: wall seconds per stage of a run (load, generate, write, decode, each metric's
compute, record build), printed at the end and stored in the record (``profile``).

Off by default and then nearly free: ``stage`` returns a shared null context after one global
check. ``enable()`` (what ``talkbench run/evaluate --profile`` call) starts a fresh profile for
the next run in this process; the runner stores it and ``disable()`` ends it.
"""

from __future__ import annotations

import time
from collections import defaultdict
from contextlib import contextmanager, nullcontext
from typing import Any, Iterator

_NULL = nullcontext()


class Profile:
    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] += time.perf_counter() - t0
            self.calls[name] += 1

    def as_dict(self) -> dict[str, Any]:
        return {"seconds": {k: round(v, 4) for k, v in self.seconds.items()}, "calls": dict(self.calls)}

    def lines(self) -> list[str]:
        total = sum(self.seconds.values()) or 1.0
        width = max((len(k) for k in self.seconds), default=5)
        return [f"  {k:<{width}}  {v:9.3f} s  {100 * v / total:5.1f}%  ({self.calls[k]} calls)"
                for k, v in sorted(self.seconds.items(), key=lambda kv: -kv[1])]


ACTIVE: Profile | None = None


def enable() -> Profile:
    global ACTIVE
    ACTIVE = Profile()
    return ACTIVE


def disable() -> None:
    global ACTIVE
    ACTIVE = None


def stage(name: str):
    """A context timing ``name`` when profiling is on; a null context otherwise."""
    return ACTIVE.stage(name) if ACTIVE is not None else _NULL
