"""``talkbench evaluate``: score videos made by another tool against a dataset's clips.

How files are matched to clip ids is ``talkbench.videofiles.match_videos``; the plan
(``make_plan(videos_dir=...)``) does the matching, so ``merge`` rebuilds the same clips.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from talkbench import distributed
from talkbench.runner.core import execute
from talkbench.runner.plan import make_plan
from talkbench.videofiles import VideoMatch, match_videos  # noqa: F401  (re-exported: talkbench.runner.match_videos)


def evaluate_videos(
    videos_dir: str | Path, dataset: str, *, split: str | None = None, limit: int | None = None,
    metrics: list[str] | None = None, metric_options: dict[str, dict[str, Any]] | None = None,
    weights: dict[str, str | Path] | None = None, device: str = "auto", out: str | Path = "results",
    data_root: str | Path | None = None, label: str | None = None, progress: bool = True,
    dataset_options: dict[str, Any] | None = None, protocol=None, workers: int | str = 1,
) -> tuple[Path, VideoMatch]:
    """Score the videos in ``videos_dir``; returns (run directory, what matched and what did not)."""
    videos_dir = Path(videos_dir).resolve()
    model = label or f"videos-{videos_dir.name}"
    plan = make_plan(
        model, dataset, split=split, limit=limit, metrics=metrics, metric_options=metric_options,
        weights=weights, out=out, data_root=data_root, label=label, dataset_options=dataset_options,
        videos_dir=videos_dir, protocol=protocol,
    )
    run_dir = execute(plan, device=device, shard=distributed.resolve_shard(None), progress=progress, workers=workers)
    return run_dir, plan.video_match
