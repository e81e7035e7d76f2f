"""``folder``: any directory of videos, e.g. your own recordings or a model's outputs.

Every video under ROOT (recursively; hidden files skipped) is a clip whose id is its path
relative to ROOT without the extension. Audio comes from the video itself or a sibling file
with the same stem (.wav, .mp3, .flac...); a transcript from a sibling .txt (an LRS
``Text:`` line or plain text). If ROOT/<split>/ exists, split <split> is that folder;
otherwise every split name (``test`` by default) means the whole ROOT.
"""

from __future__ import annotations

from pathlib import Path

from talkbench.clip import Clip
from talkbench.datasets.common import RootedDataset, find_video, read_options, read_transcript
from talkbench.videofiles import VIDEO_SUFFIXES, is_video_file


class FolderDataset(RootedDataset):
    name = "folder"
    version = "1"
    description = "any directory of videos (audio inside or a sibling .wav; optional sibling .txt)"
    splits = ("test",)
    default_split = "test"
    options = read_options()
    expected_layout = (
        f"ROOT/**/<name>.mp4 (or {'/'.join(VIDEO_SUFFIXES[1:])}), audio inside it or in <name>.wav next to "
        "it, optional <name>.txt transcript"
    )

    def looks_valid(self, root: Path) -> bool:
        return any(self._videos(root))

    @staticmethod
    def _videos(base: Path):
        for p in base.rglob("*"):
            if is_video_file(p) and p.is_file() and not any(
                part.startswith(".") for part in p.relative_to(base).parts
            ):
                yield p

    def split_dir(self, split: str) -> Path:
        root = self.data_root()
        sub = root / split
        return sub if sub.is_dir() and any(self._videos(sub)) else root

    def clip_base(self, split: str) -> Path:
        return self.split_dir(split)

    def check_split(self, split: str) -> None:
        # any folder name is a split here; only reject names that would escape the root
        if not split or "/" in split or split in (".", ".."):
            super().check_split(split)

    def _compute_ids(self, split: str) -> list[str]:
        self.check_split(split)
        base = self.split_dir(split)
        ids = sorted({p.relative_to(base).with_suffix("").as_posix() for p in self._videos(base)})
        if not ids:
            raise self.layout_error(f"no videos in {base}")
        return ids

    def load_clip(self, split: str, clip_id: str) -> Clip:
        from talkbench.io import load_clip

        base = self.split_dir(split)
        video = find_video(base / clip_id)
        if video is None:
            raise self.layout_error(f"clip {clip_id!r} not found under {base}")
        txt = video.with_suffix(".txt")
        # require_audio=False: a silent video still serves face preparation and image metrics;
        # what needs audio fails that one clip with a clear message when it asks for it
        clip = load_clip(
            video, clip_id=clip_id, transcript=read_transcript(txt) if txt.is_file() else None,
            speaker=Path(clip_id).parent.as_posix() if "/" in clip_id else None,
            require_audio=False, **self.read_kwargs(),
        )
        clip.meta["dataset"] = self.name
        return clip
