"""``talkbench evaluate``: score videos made by another tool against a dataset's clips.

Files are matched to clip ids by their path relative to the folder without the suffix
(``spk1/00001.mp4`` → ``spk1/00001``) or, failing that, by file stem. Files that match no clip
and clips that have no file are both listed (and kept in the record), never silently ignored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from talkbench import distributed
from talkbench.errors import TalkbenchError

VIDEO_SUFFIXES = (".mp4", ".avi", ".mov", ".mkv", ".webm", ".m4v")


@dataclass
class VideoMatch:
    matched: dict[str, Path] = field(default_factory=dict)
    unmatched_files: list[str] = field(default_factory=list)
    clips_without_video: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"matched": len(self.matched), "unmatched_files": self.unmatched_files,
                "clips_without_video": self.clips_without_video}


def match_videos(videos_dir: Path, clip_ids: list[str]) -> VideoMatch:
    videos_dir = Path(videos_dir)
    if not videos_dir.is_dir():
        raise TalkbenchError(f"--videos {videos_dir}: no such directory")
    files = sorted(p for p in videos_dir.rglob("*") if p.is_file() and p.suffix.lower() in VIDEO_SUFFIXES)
    wanted = set(clip_ids)
    by_stem: dict[str, list[str]] = {}
    for cid in clip_ids:
        by_stem.setdefault(cid.rsplit("/", 1)[-1], []).append(cid)
    out = VideoMatch()
    for f in files:
        rel = f.relative_to(videos_dir).with_suffix("").as_posix()
        cid = rel if rel in wanted else None
        if cid is None and len(by_stem.get(f.stem, [])) == 1:
            cid = by_stem[f.stem][0]
        if cid is None or cid in out.matched:
            out.unmatched_files.append(f.relative_to(videos_dir).as_posix())
        else:
            out.matched[cid] = f.resolve()
    out.clips_without_video = [c for c in clip_ids if c not in out.matched]
    return out


def evaluate_videos(
    videos_dir: str | Path, dataset: str, *, split: str | None = None, limit: int | None = None,
    metrics: list[str] | None = None, metric_options: dict[str, dict[str, Any]] | None = None,
    weights: dict[str, str | Path] | None = None, device: str = "auto", out: str | Path = "results",
    data_root: str | Path | None = None, label: str | None = None, progress: bool = True,
    dataset_options: dict[str, Any] | None = None, protocol=None,
) -> tuple[Path, VideoMatch]:
    """Score the videos in ``videos_dir``; returns (run directory, what matched and what did not)."""
    from talkbench.runner import plan as planning
    from talkbench.runner.core import check_limit, execute, make_plan

    videos_dir = Path(videos_dir).resolve()
    ds, _ = planning.make_dataset(dataset, data_root, dataset_options)
    split = split or ds.default_split
    ids = sorted(ds.clip_ids(split))
    limit = check_limit(limit)
    if limit is not None:
        ids = ids[:limit]
    match = match_videos(videos_dir, ids)
    if not match.matched:
        raise TalkbenchError(
            f"--videos {videos_dir}: no file matches a clip id of {dataset}/{split} "
            f"(e.g. {ids[0] if ids else 'none'}); name the files <clip_id>.mp4"
        )
    model = label or f"videos-{videos_dir.name}"
    plan, facts = make_plan(
        model, dataset, split=split, limit=limit, metrics=metrics, metric_options=metric_options,
        weights=weights, out=out, data_root=data_root, label=label, dataset_options=dataset_options,
        videos=match.matched, videos_dir=str(videos_dir), protocol=protocol,
    )
    plan.clip_ids = sorted(match.matched)
    run_dir = execute(plan, device=device, shard=distributed.resolve_shard(None), progress=progress,
                      has_transcripts=facts["has_transcripts"], extra={"evaluate": match.as_dict()})
    return run_dir, match
