"""Locks on a run directory, so that processes sharing one run never mix their files.

Every clip has its own lock (``locks/<clip>.lock``, an OS file lock via ``filelock``: released
when the holder exits, even when it is killed). A process works on a clip only while holding
its lock, so a score file is written by the process that wrote the video it describes. Two
``talkbench run`` processes on one run share the clips out: each takes the clips no one holds,
then waits for the ones the other has and finds them done. torchrun ranks and ``--shard`` jobs
have disjoint clips and never wait on each other. ``record.json`` is written under the run's
own lock (as are run.json and metrics.json). Temp files a killed process left behind are
removed by the next holder of the lock.
"""

from __future__ import annotations

import os
import re
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from filelock import FileLock, Timeout

from talkbench.errors import TalkbenchError

LOCKS = "locks"
#: how long a process waits for a clip or the record held by another (seconds)
WAIT_S = float(os.environ.get("TALKBENCH_LOCK_TIMEOUT", 24 * 3600))
#: mkstemp's random part: 8 characters of this alphabet
_RAND = r"[a-z0-9_]{8}"
_told: set[str] = set()


def _lock_file(run_dir: Path, name: str) -> Path:
    from talkbench.runner.plan import _safe

    d = Path(run_dir) / LOCKS
    d.mkdir(parents=True, exist_ok=True)
    return d / f"{_safe(name)}.lock"


def clip_lock(run_dir: Path, clip_id: str) -> FileLock:
    return FileLock(str(_lock_file(run_dir, "clip-" + clip_id)))


def try_acquire(lock: FileLock) -> bool:
    """Take ``lock`` if no other process holds it; never waits."""
    try:
        lock.acquire(timeout=0)
        return True
    except Timeout:
        return False


def wait_acquire(lock: FileLock, what: str, timeout: float | None = None) -> None:
    """Take ``lock``, saying once (stderr) that another process has it, then waiting."""
    if try_acquire(lock):
        return
    where = str(Path(lock.lock_file).parent)
    if where not in _told:  # one line per run directory, not one per clip
        _told.add(where)
        print(f"talkbench: another process is working on this run; waiting for it ({what}, lock {lock.lock_file})",
              file=sys.stderr, flush=True)
    try:
        lock.acquire(timeout=WAIT_S if timeout is None else timeout)
    except Timeout:
        raise TalkbenchError(
            f"{what}: another process has held {lock.lock_file} for over {WAIT_S if timeout is None else timeout:.0f}s; "
            "stop it or wait for it, then re-run the same command"
        ) from None


@contextmanager
def record_lock(run_dir: Path) -> Iterator[None]:
    """Held while ``per_clip.csv`` and ``record.json`` are rebuilt."""
    lock = FileLock(str(_lock_file(run_dir, "record")))
    wait_acquire(lock, f"the record of {Path(run_dir).name}")
    try:
        clean_temps(Path(run_dir), ("record.json", "per_clip.csv", "run.json", "metrics.json"))
        yield
    finally:
        lock.release()


def _temp_pattern(name: str) -> re.Pattern:
    """The names ``atomic_write_bytes`` / ``write_video`` give their temp files for ``name``:
    ``.<name>.XXXXXXXX.tmp`` and ``.<stem>.XXXXXXXX<suffix>``."""
    p = Path(name)
    return re.compile(rf"^\.(?:{re.escape(name)}\.{_RAND}\.tmp|{re.escape(p.stem)}\.{_RAND}{re.escape(p.suffix)})$")


def clean_temps(directory: Path, names: tuple[str, ...]) -> int:
    """Remove temp files left for ``names`` in ``directory`` (call only while holding the lock
    of the files: the holder is the only writer). Returns how many were removed."""
    if not directory.is_dir():
        return 0
    pats = [_temp_pattern(n) for n in names]
    removed = 0
    for f in directory.iterdir():
        if f.name.startswith(".") and any(p.match(f.name) for p in pats):
            f.unlink(missing_ok=True)
            removed += 1
    return removed


def clean_clip_temps(video: Path, scores: Path) -> int:
    """Temp files of one clip's video, its lossless copy and its score file (a killed run's leftovers)."""
    from talkbench.io.lossless import lossless_path_for

    videos = (video.name, lossless_path_for(video).name)
    return clean_temps(video.parent, videos) + clean_temps(scores.parent, (scores.name,))
