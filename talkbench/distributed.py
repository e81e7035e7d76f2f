"""Sharded evaluation: torchrun / ``accelerate launch`` ranks and ``--shard i/N`` array jobs.

Clip ``i`` of the sorted clip list goes to shard ``i % N``: deterministic, independent of
timing, and balanced. Every shard writes its own per-clip score files into the same run
directory and a marker ``shards/<i>-of-<N>.json`` when it is done; the merge (rank 0 after a
barrier, the last array job to finish, or ``talkbench merge``) reads them back into one record.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Sequence

from talkbench.errors import TalkbenchError

#: how long rank 0 waits for the other ranks when there is no process group (polling)
WAIT_TIMEOUT_S = float(os.environ.get("TALKBENCH_MERGE_TIMEOUT", 7 * 24 * 3600))


@dataclass(frozen=True)
class Shard:
    index: int
    count: int
    #: "torchrun" when the ranks come from the environment, "manual" for --shard i/N
    source: str = "none"
    local_rank: int = 0

    @property
    def is_sharded(self) -> bool:
        return self.count > 1

    @property
    def is_main(self) -> bool:
        return self.index == 0

    def select(self, ids: Sequence[str]) -> list[str]:
        """The clip ids of this shard (``ids`` must already be sorted)."""
        return [cid for i, cid in enumerate(ids) if i % self.count == self.index]

    def marker(self, run_dir: Path) -> Path:
        return run_dir / "shards" / f"{self.index}-of-{self.count}.json"

    def as_dict(self) -> dict:
        return {"index": self.index, "count": self.count, "source": self.source}


SINGLE = Shard(0, 1)


def parse_shard(text: str | tuple | None) -> Shard | None:
    """``"1/4"`` or ``(1, 4)`` → Shard(1, 4); validates 0 <= i < N."""
    if text is None:
        return None
    if isinstance(text, str):
        try:
            i_s, n_s = text.split("/")
            i, n = int(i_s), int(n_s)
        except ValueError:
            raise TalkbenchError(f"--shard {text!r} must look like I/N, e.g. --shard 0/4") from None
    else:
        i, n = (int(v) for v in text)
    if n < 1 or not 0 <= i < n:
        raise TalkbenchError(f"--shard {i}/{n}: need 0 <= I < N")
    return Shard(i, n, "manual")


def env_shard() -> Shard:
    """The rank/world size set by torchrun or accelerate (RANK, WORLD_SIZE, LOCAL_RANK)."""
    world = int(os.environ.get("WORLD_SIZE", "1") or 1)
    if world <= 1:
        return SINGLE
    rank = int(os.environ.get("RANK", "0"))
    local = int(os.environ.get("LOCAL_RANK", rank))
    return Shard(rank, world, "torchrun", local)


def resolve_shard(shard: str | tuple | None) -> Shard:
    manual = parse_shard(shard)
    launched = env_shard()
    if manual is not None and launched.is_sharded:
        raise TalkbenchError("--shard cannot be combined with torchrun/accelerate ranks; use one")
    return manual or launched


def init_process_group(shard: Shard) -> bool:
    """Join the launcher's process group (gloo: CPU-only barrier) if it can; True when joined."""
    if shard.source != "torchrun" or "MASTER_ADDR" not in os.environ:
        return False
    import torch.distributed as dist

    if not dist.is_available():
        return False
    if not dist.is_initialized():
        # a long timeout: ranks can finish their shards hours apart
        dist.init_process_group("gloo", timeout=timedelta(seconds=WAIT_TIMEOUT_S))
        _created.append(True)
    return True


def barrier() -> None:
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        dist.barrier()


def finished_shards(run_dir: Path, count: int) -> list[int]:
    return [i for i in range(count) if Shard(i, count).marker(run_dir).is_file()]


def wait_for_shards(run_dir: Path, count: int, timeout: float = WAIT_TIMEOUT_S, poll: float = 0.5) -> None:
    """Poll until every shard's marker exists (used when there is no process group)."""
    start = time.monotonic()
    while len(finished_shards(run_dir, count)) < count:
        if time.monotonic() - start > timeout:
            missing = sorted(set(range(count)) - set(finished_shards(run_dir, count)))
            raise TalkbenchError(
                f"{run_dir}: shards {missing} of {count} did not finish within {timeout:.0f}s; "
                f"re-run them, then `talkbench merge {run_dir}`"
            )
        time.sleep(poll)


_created: list[bool] = []


def destroy_process_group() -> None:
    """Tear down the group only if talkbench created it (a user's accelerate group stays)."""
    import torch.distributed as dist

    if _created and dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()
        _created.clear()
