"""Clip-level worker processes on one machine (``--workers N``).

Why processes and not threads: the networks talkbench runs per clip (SyncNet, AV-HuBERT, the
tiny generators) spend their time in convolutions whose intra-op threads fight for cores (see
talkbench.threads); N one-thread processes each scoring their own clips keep every core busy
with no such contention. The clips wait in one queue, the most expensive first (frames and
pixels from the file's header), and whichever worker is free takes the next (a fixed ``k % N``
split left one worker idle while the other still had a long clip: 56% vs 44% of the frames on
the LSE benchmark's 7 clips). Each worker writes its
per-clip score files and a marker ``shards/i-of-N.json`` (the clips it took) into the run
directory, and exits; the parent is worker 0 and, once every worker is done, writes the one
record from the score files, as a sharded merge does. Which worker scored a clip does not
change its numbers. A worker that dies loses only its clip in progress: the others take the
rest of the queue, the run ends in an error naming the dead worker and writes no record, and a
re-run resumes from the finished clips on disk.

Each worker rebuilds the plan from the run's ``run.json`` (as ``talkbench merge`` does), so it
scores exactly the parent's clips with the parent's options; it loads its own copy of the
models (memory grows with N).
"""

from __future__ import annotations

import multiprocessing as mp
import os
import queue as queue_mod
from pathlib import Path
from typing import Any, Callable, Sequence

from talkbench.errors import TalkbenchError

#: shard source of clip workers (records and markers say it)
SOURCE = "workers"


def check_workers(count: Any, shard) -> int:
    """``--workers N`` with N >= 1, or ``auto`` (one per core this process may run on, divided
    by the threads each uses); not combined with --shard or torchrun (those already split)."""
    if str(count).strip().lower() == "auto":
        from talkbench.threads import current_threads

        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
        n = max(1, cores // max(1, current_threads() or cores))
        return 1 if shard is not None and shard.is_sharded else n
    try:
        n = int(count)
    except (TypeError, ValueError):
        raise TalkbenchError(f"--workers {count!r}: must be a whole number >= 1, or auto") from None
    if n < 1:
        raise TalkbenchError(f"--workers {n}: must be >= 1 (1 = score in this process)")
    if n > 1 and shard is not None and shard.is_sharded:
        raise TalkbenchError(f"--workers {n} cannot be combined with --shard or torchrun ranks; "
                             "give each shard its own process instead (--workers 1)")
    return n


def worker_device(device: str, index: int) -> str:
    """Worker ``index``'s device: ``cuda`` spreads the workers over the visible GPUs."""
    if device != "cuda":
        return device
    import torch

    count = torch.cuda.device_count()
    return f"cuda:{index % count}" if count > 1 else device


#: above this many clips the queue orders by file size alone (a header read is ~7 ms a file)
PROBE_LIMIT = 2000


def clip_cost(path: Path | None, probe_header: bool = True) -> float:
    """A clip's relative cost before it is decoded: frames × (1 + pixels / 10⁶) from the file's
    header (the networks' cost grows with the frames, decoding and the jpg round trip with the
    pixels too); the file's size where the header cannot be read (or ``probe_header`` is off);
    0 without a file."""
    if path is None:
        return 0.0
    try:
        size = float(path.stat().st_size)
    except OSError:
        return 0.0
    if probe_header:
        from talkbench.errors import MediaError
        from talkbench.io.clipfile import probe

        try:
            info = probe(path)
        except MediaError:
            return size
        frames = info.get("frames") or (info.get("duration") or 0) * (info.get("fps") or 0)
        if frames:
            return float(frames) * (1.0 + (info.get("width") or 0) * (info.get("height") or 0) / 1e6)
    return size


def by_cost(clip_ids: Sequence[str], path_of: Callable[[str], Path | None]) -> list[str]:
    """Most expensive clip first (``clip_cost``), dataset order among equals or where there is
    no file: the longest clips start first, so no worker is left with one at the end."""
    header = len(clip_ids) <= PROBE_LIMIT
    cost = {cid: clip_cost(path_of(cid), header) for cid in clip_ids}
    return sorted(clip_ids, key=lambda cid: -cost[cid])


class ClipQueue:
    """The run's clips, shared by its workers: ``take(n)`` gives the next ≤ n clip ids, [] when
    none are left (one end mark per worker follows the clips)."""

    def __init__(self, queue) -> None:
        self.queue, self.done = queue, False

    def take(self, n: int) -> list[str]:
        out: list[str] = []
        while not self.done and len(out) < max(1, n):
            # blocking is safe: every worker's end mark follows the clips, so a get always
            # returns (the marks of a worker that died only add spare ones)
            cid = self.queue.get()
            if cid is None:
                self.done = True
            else:
                out.append(cid)
        return out


class WorkerPool:
    """Workers 1..N-1 of a run (the caller is worker 0); ``poll`` relays their finished clips.

    ``entry(run_dir, index, count, device, threads, report, tasks)`` is what a worker runs: a
    module-level function (spawned processes import it by name), the runner's ``worker_main``;
    ``tasks`` is the shared :class:`ClipQueue` (``self.tasks`` is the parent's end of it).
    """

    def __init__(self, run_dir: Path, count: int, device: str, threads: int, entry: Callable,
                 clip_ids: Sequence[str]) -> None:
        ctx = mp.get_context("spawn")  # a fresh interpreter: no forked torch thread pools
        self.reports = ctx.Queue()
        tasks = ctx.Queue()
        for cid in list(clip_ids) + [None] * count:
            tasks.put(cid)
        self.tasks = ClipQueue(tasks)
        self.procs = [ctx.Process(target=entry, name=f"talkbench-worker-{i}",
                                  args=(str(run_dir), i, count, worker_device(device, i), threads,
                                        self.reports.put, ClipQueue(tasks)))
                      for i in range(1, count)]
        for p in self.procs:
            p.start()

    def poll(self, advance: Callable[[], None], timeout: float = 0.0) -> None:
        """Advance the progress bar once per clip a worker finished since the last poll."""
        while True:
            try:
                self.reports.get(timeout=timeout) if timeout else self.reports.get_nowait()
            except queue_mod.Empty:
                return
            advance()

    def join(self, advance: Callable[[], None]) -> None:
        """Wait for every worker; a worker that failed is an error naming its exit code."""
        while any(p.is_alive() for p in self.procs):
            self.poll(advance, timeout=0.2)
        self.poll(advance)
        bad = [(p.name, p.exitcode) for p in self.procs if p.exitcode != 0]
        if bad:
            names = ", ".join(f"{n} (exit {c})" for n, c in bad)
            raise TalkbenchError(f"clip workers failed: {names}; their finished clips are kept, "
                                 "re-run the same command to resume (or use --workers 1 to see the error here)")

    def terminate(self) -> None:
        for p in self.procs:
            if p.is_alive():
                p.terminate()
        for p in self.procs:
            p.join(timeout=5)
