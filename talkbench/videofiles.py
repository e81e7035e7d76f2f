"""Which files are videos, and which video file is which clip.

One list of suffixes for every place that looks for videos (datasets scanning their roots,
``evaluate --videos`` matching a folder to clip ids, metrics deciding whether a clip's path is
a video they can re-read). Plugins use it as ``talkbench.VIDEO_SUFFIXES``.

Files are matched to clip ids by their path relative to the folder without the suffix
(``spk1/00001.mp4`` → ``spk1/00001``) or, failing that, by file stem when exactly one clip has
that stem. Files that match no clip and clips that have no file are both listed (and kept in the
record), never silently ignored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from talkbench.errors import TalkbenchError

#: lower-case suffixes of the video containers talkbench reads (through PyAV/ffmpeg)
VIDEO_SUFFIXES = (".mp4", ".avi", ".mov", ".mkv", ".webm", ".mpg", ".mpeg", ".m4v")


def is_video_file(path: str | Path) -> bool:
    """Whether ``path`` has a video suffix (case-insensitive); says nothing about its contents."""
    return Path(path).suffix.lower() in VIDEO_SUFFIXES


@dataclass
class VideoMatch:
    matched: dict[str, Path] = field(default_factory=dict)
    unmatched_files: list[str] = field(default_factory=list)
    clips_without_video: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"matched": len(self.matched), "unmatched_files": self.unmatched_files,
                "clips_without_video": self.clips_without_video}


def match_videos(videos_dir: str | Path, clip_ids: list[str]) -> VideoMatch:
    """The video files under ``videos_dir`` matched to ``clip_ids`` (see the module doc)."""
    videos_dir = Path(videos_dir)
    if not videos_dir.is_dir():
        raise TalkbenchError(f"--videos {videos_dir}: no such directory")
    files = sorted(p for p in videos_dir.rglob("*") if p.is_file() and is_video_file(p))
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
