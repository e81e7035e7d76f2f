"""``hdtf``: HDTF (Zhang et al., CVPR 2021), the downloaded and cropped clips.

HDTF's release (github.com/MRzzm/HDTF, ``HDTF_dataset/``) is no video archive: per subset (RD
radio, WDA / WRA Democratic / Republican addresses) a ``<subset>_video_url.txt`` of YouTube
links, ``_annotion_time.txt`` with the talking segments of each video, and the crop windows
(``_crop_wh.txt``, ``_crop_ratio.txt``, ``_resolution.txt``). Its README names segment i of
``Name.mp4`` ``Name_i.mp4``; the download script the papers use (universome/HDTF's
``download.py``) writes ``<subset>_<Name>_<iii>.mp4`` into one folder, and SadTalker, DINet,
IP-LAP and others cite clips by that name (``WDA_BarackObama_000``). Both layouts are read::

    ROOT/WDA_BarackObama_000.mp4 ...            (download.py: one folder, 3-digit index)
    ROOT/WDA/BarackObama_0.mp4 ...              (HDTF's README: per subset, plain index)

and a clip's id is always the papers' ``<subset>_<Name>_<iii>``. HDTF has no official split:
give the list of the split you run (``--dataset-option split_file=FILE``, one id or file name a
line; ROOT/<split>.txt is used when present). Without a list, split ``test`` (and ``all``) is
every clip in ROOT, and the run record says so (``dataset.split_source``). No list is invented.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import ClassVar

from talkbench.clip import Clip
from talkbench.datasets.common import SIBLING_SUFFIXES, RootedDataset, read_options
from talkbench.videofiles import VIDEO_SUFFIXES
from talkbench.errors import DatasetNotFoundError
from talkbench.options import Option

SUBSETS = ("RD", "WDA", "WRA")
_FLAT = re.compile(r"^(RD|WDA|WRA)_(.+)_(\d+)$")
_OFFICIAL = re.compile(r"^(.+)_(\d+)$")
NAMING = "<RD|WDA|WRA>_<Name>_<NNN>.mp4 (e.g. WDA_BarackObama_000.mp4) or <RD|WDA|WRA>/<Name>_<N>.mp4"


def clip_id_of(subset: str, name: str, index: str) -> str:
    return f"{subset}_{name}_{int(index):03d}"


def normalise_hdtf_id(token: str) -> str | None:
    """A split-list entry → the papers' id; None when it does not name an HDTF clip.

    Accepts ``WDA_BarackObama_000``, ``WDA_BarackObama_000.mp4``, ``some/dir/WDA_BarackObama_0.mp4``
    and HDTF's own ``WDA/BarackObama_0.mp4``.
    """
    p = Path(token.strip())
    if p.suffix.lower() in VIDEO_SUFFIXES:
        p = p.with_suffix("")
    m = _FLAT.match(p.name)
    if m:
        return clip_id_of(*m.groups())
    m = _OFFICIAL.match(p.name)
    if m and p.parent.name in SUBSETS:
        return clip_id_of(p.parent.name, *m.groups())
    return None


class HDTF(RootedDataset):
    name = "hdtf"
    version = "1"
    description = "HDTF talking-head clips (cropped, as downloaded by universome/HDTF; ids like WDA_BarackObama_000)"
    splits = ("test", "train", "val", "all")
    default_split = "test"
    options = read_options() + (
        Option("split_file", str, "", "list of the clip ids of the split you run (one a line); "
               "default: ROOT/<split>.txt, else every clip (HDTF has no official split)"),
    )
    expected_layout = f"ROOT/{NAMING}; optional split list ROOT/<split>.txt or --dataset-option split_file=FILE"
    subdir_candidates: ClassVar[tuple[str, ...]] = ("", "hdtf", "HDTF")

    def looks_valid(self, root: Path) -> bool:
        return any(True for _ in self._candidates(root))

    @staticmethod
    def _candidates(root: Path):
        """Video files in ROOT and ROOT/<subset>/ (hidden files skipped)."""
        for base in (root, *(root / s for s in SUBSETS)):
            if base.is_dir():
                for p in sorted(base.iterdir()):
                    if p.suffix.lower() in VIDEO_SUFFIXES and p.is_file() and not p.name.startswith("."):
                        yield p

    def videos(self) -> dict[str, Path]:
        """clip id → video file; a misnamed video or two files for one id are errors."""
        if getattr(self, "_videos", None) is not None:
            return self._videos
        root = self.data_root()
        found: dict[str, Path] = {}
        for p in self._candidates(root):
            if p.parent == root:  # download.py's flat folder
                m = _FLAT.match(p.stem)
                cid = clip_id_of(*m.groups()) if m else None
            else:  # HDTF's own per-subset naming
                m = _OFFICIAL.match(p.stem)
                cid = clip_id_of(p.parent.name, *m.groups()) if m else None
            if cid is None:
                raise DatasetNotFoundError(
                    f"hdtf: {p} is not named like an HDTF clip ({NAMING}); rename it or move it out of {root}"
                )
            if cid in found:
                raise DatasetNotFoundError(
                    f"hdtf: {found[cid]} and {p} are both clip {cid}; keep one of them"
                )
            found[cid] = p
        if not found:
            raise self.layout_error(f"no videos in {root}")
        self._videos = found
        return found

    # ---- splits ----------------------------------------------------------------------------
    def split_list(self, split: str) -> Path | None:
        """The list file that defines ``split`` (None: every clip)."""
        if split == "all":
            return None
        if self.options["split_file"]:
            p = Path(self.options["split_file"]).expanduser()
            if not p.is_file():
                raise DatasetNotFoundError(
                    f"hdtf: split_file {p} does not exist; give a file with one clip id "
                    "(e.g. WDA_BarackObama_000) a line"
                )
            return p
        cand = self.data_root() / f"{split}.txt"
        return cand if cand.is_file() else None

    def split_source(self, split: str) -> str:
        """What the clip list of ``split`` is, in words (for the run record)."""
        lst = self.split_list(split)
        if lst is None:
            return f"every clip in {self.data_root()} (no split list given; HDTF has no official split)"
        return f"split list {lst.resolve()}"

    def _compute_ids(self, split: str) -> list[str]:
        self.check_split(split)
        videos = self.videos()
        lst = self.split_list(split)
        if lst is None:
            if split in ("test", "all"):
                return sorted(videos)
            raise DatasetNotFoundError(
                f"hdtf: no list for split {split!r}; pass --dataset-option split_file=FILE or put "
                f"{self.data_root() / (split + '.txt')} (HDTF has no official split; 'all' is every clip)"
            )
        ids = []
        for n, line in enumerate(lst.read_text(encoding="utf-8").splitlines(), 1):
            token = line.split("#")[0].strip()
            if not token:
                continue
            cid = normalise_hdtf_id(token.split()[0])
            if cid is None:
                raise DatasetNotFoundError(
                    f"hdtf: {lst} line {n}: {token!r} is not an HDTF clip id (like WDA_BarackObama_000); fix the line"
                )
            ids.append(cid)
        if not ids:
            raise DatasetNotFoundError(f"hdtf: split list {lst} names no clips; one clip id a line")
        # ids missing from ROOT stay in the split: each fails to load with its reason (recorded)
        return sorted(set(ids))

    # ---- clips -----------------------------------------------------------------------------
    def clip_base(self, split: str) -> Path:
        return self.data_root()

    def _video(self, clip_id: str) -> Path:
        video = self.videos().get(clip_id)
        if video is None:
            raise DatasetNotFoundError(
                f"hdtf: clip {clip_id} is in the split list but not in {self.data_root()} "
                f"(expected {self.data_root() / (clip_id + '.mp4')}); download it or drop it from the list"
            )
        return video

    def clip_files(self, split: str, clip_id: str) -> list[Path]:
        video = self._video(clip_id)
        siblings = [video.with_suffix(s) for s in SIBLING_SUFFIXES if video.with_suffix(s) != video]
        return [video, *(p for p in siblings if p.is_file())]

    def load_clip(self, split: str, clip_id: str) -> Clip:
        from talkbench.io import load_clip

        video = self._video(clip_id)
        # the subset is the speaker group; the person (e.g. BarackObama) is the speaker
        speaker = clip_id.split("_", 1)[1].rsplit("_", 1)[0]
        clip = load_clip(video, clip_id=clip_id, speaker=speaker, **self.read_kwargs())
        clip.meta["dataset"] = self.name
        return clip
