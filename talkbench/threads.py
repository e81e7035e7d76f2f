"""How many intra-op threads torch uses: talkbench chooses, the run record says what it chose.

Why: torch's default (one thread per core) makes small convolutions fight for cores. On this
project's 2-core machine a 1-clip tiny SyncDiff run took 6.5× longer wall with 2 threads than
with 1 while other jobs were running, and LSE scoring spends ~18% more CPU for the same
numbers (benchmarks/bench_threads.py measures it). One thread per process is the default;
parallelism comes from processes (shards, clip workers), which do not fight.

Order of precedence: ``--threads N`` > ``TALKBENCH_THREADS`` > ``OMP_NUM_THREADS`` (a user who
set it meant it) > :data:`DEFAULT_THREADS`. ``0`` (or ``auto``) means torch's own default.
Applying does not import torch: before torch is imported the choice goes into
``OMP_NUM_THREADS``/``MKL_NUM_THREADS`` (torch reads them at import; child processes inherit
them), after it ``torch.set_num_threads`` is called.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from talkbench.errors import OptionError

ENV = "TALKBENCH_THREADS"
#: measured default (module docstring); 0 would mean torch's per-core default
DEFAULT_THREADS = 1

_choice: dict[str, Any] | None = None


def _parse(value: str | int, where: str) -> int:
    text = str(value).strip().lower()
    if text == "auto":
        return 0
    try:
        n = int(text)
    except ValueError:
        n = -1
    if n < 0:
        raise OptionError(f"{where}={value!r}: threads must be a whole number >= 1, or 0/auto for torch's default")
    return n


def resolve_threads(option: int | str | None = None) -> tuple[int, str]:
    """(threads, where the number came from); 0 = torch's default."""
    if option is not None:
        return _parse(option, "--threads"), "option"
    if os.environ.get(ENV, "").strip():
        return _parse(os.environ[ENV], ENV), "env:" + ENV
    if os.environ.get("OMP_NUM_THREADS", "").strip():
        return _parse(os.environ["OMP_NUM_THREADS"], "OMP_NUM_THREADS"), "env:OMP_NUM_THREADS"
    return DEFAULT_THREADS, "default"


def apply_threads(option: int | str | None = None) -> int:
    """Choose and apply the intra-op thread count; returns it (0 = torch's default)."""
    global _choice
    n, source = resolve_threads(option)
    if n:
        if "torch" in sys.modules:
            sys.modules["torch"].set_num_threads(n)
        else:
            for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
                os.environ[var] = str(n)
    _choice = {"intra_op": n or "torch-default", "source": source}
    return n


def thread_record() -> dict[str, Any]:
    """For the run record's environment: the choice and what torch actually runs with."""
    out = dict(_choice or {"intra_op": "not-set", "source": "talkbench did not choose (library use)"})
    if "torch" in sys.modules:
        out["torch_threads"] = sys.modules["torch"].get_num_threads()
    return out


def current_threads() -> int:
    """The thread count chosen in this process (0 = torch's default), resolved now if nobody
    chose yet; clip workers (talkbench.runner.workers) start with the same choice."""
    if _choice is None:
        return resolve_threads()[0]
    n = _choice["intra_op"]
    return n if isinstance(n, int) else 0
