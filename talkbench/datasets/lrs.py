"""LRS2 and LRS3 (BBC lip-reading sentences): official layouts, filelists, transcripts.

LRS2 (mvlrs_v1)::

    ROOT/main/<speaker>/<id>.mp4 + <id>.txt
    ROOT/pretrain/<speaker>/<id>.mp4 + .txt    optional (split "pretrain", list pretrain.txt)
    ROOT/train.txt  val.txt  test.txt          one "<speaker>/<id>" per line (LRS2's own
                                               lists may add a tag after a space: ignored)
    ROOT/test.tsv                              optional: TalkLip/AV-HuBERT test list (1,243 clips)

LRS3::

    ROOT/test/<speaker>/<id>.mp4 + <id>.txt    (1,321 clips; trainval/ and pretrain/ likewise)

Each .txt starts with ``Text:  THE WORDS`` (then ``Conf:`` and, in LRS3, word timings).
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from talkbench.clip import Clip
from talkbench.datasets.common import RootedDataset, read_id_list, read_options
from talkbench.errors import DatasetNotFoundError

LRS2_LIST_DIRS = (".", "filelists", "lists")
#: file names the TalkLip / AV-HuBERT test list is looked for under (first found wins)
TALKLIP_TEST_LISTS = ("test.tsv", "filelists/test.tsv", "datalist/test.tsv", "talklip_test.tsv")


class LRS2(RootedDataset):
    name = "lrs2"
    version = "1"
    description = "LRS2-BBC (main/<speaker>/<id>.mp4 + .txt, official train/val/test filelists)"
    splits = ("train", "val", "test", "talklip_test", "pretrain")
    default_split = "test"
    # native frames: Wav2Lip's calculate_scores_LRS never converts (LRS clips are 25 fps)
    options = read_options("native")
    expected_layout = (
        "ROOT/main/<speaker>/<id>.mp4 and <id>.txt (\"Text: ...\" line); ROOT/train.txt, val.txt, "
        "test.txt with one <speaker>/<id> per line (also looked for in ROOT/filelists/); "
        "optional ROOT/test.tsv = TalkLip's 1,243-clip test list"
    )
    # accept the archive's own top folder too (ROOT/mvlrs_v1/main)
    subdir_candidates: ClassVar[tuple[str, ...]] = ("", "mvlrs_v1", "lrs2")

    def looks_valid(self, root: Path) -> bool:
        return (root / "main").is_dir()

    def main_dir(self, split: str = "test") -> Path:
        # only LRS2's pretrain clips live outside main/
        return self.data_root() / ("pretrain" if split == "pretrain" else "main")

    def list_file(self, split: str) -> Path | None:
        root = self.data_root()
        if split == "talklip_test":
            for rel in TALKLIP_TEST_LISTS:
                if (root / rel).is_file():
                    return root / rel
            return None
        for d in LRS2_LIST_DIRS:
            cand = root / d / f"{split}.txt"
            if cand.is_file():
                return cand
        return None

    def _compute_ids(self, split: str) -> list[str]:
        self.check_split(split)
        lst = self.list_file(split)
        if lst is not None:
            return sorted(read_id_list(lst))
        if split == "talklip_test":
            raise DatasetNotFoundError(
                f"lrs2: TalkLip's test list not found under {self.data_root()} (looked for "
                f"{', '.join(TALKLIP_TEST_LISTS)}); get test.tsv from Sxjdwang/TalkLip datalist/"
            )
        if split in ("test", "pretrain") and self.main_dir(split).is_dir():
            # no filelist: every clip in the folder (a partial download, or a test-only copy)
            return self.scan_ids(self.main_dir(split))
        raise DatasetNotFoundError(
            f"lrs2: no {split}.txt filelist in {self.data_root()}; expected {self.expected_layout}"
        )

    def clip_base(self, split: str) -> Path:
        return self.main_dir(split)

    def load_clip(self, split: str, clip_id: str) -> Clip:
        return self.lrs_clip(self.main_dir(split), clip_id)


class LRS3(RootedDataset):
    name = "lrs3"
    version = "1"
    description = "LRS3-TED (test/<speaker>/<id>.mp4 + .txt; 1,321 test clips)"
    splits = ("test", "trainval", "pretrain")
    default_split = "test"
    options = read_options("native")
    expected_layout = "ROOT/test/<speaker>/<id>.mp4 and <id>.txt (\"Text: ...\" line); also trainval/, pretrain/"
    subdir_candidates: ClassVar[tuple[str, ...]] = ("", "lrs3")

    def looks_valid(self, root: Path) -> bool:
        return any((root / s).is_dir() for s in self.splits)

    def _compute_ids(self, split: str) -> list[str]:
        self.check_split(split)
        d = self.data_root() / split
        if not d.is_dir():
            raise DatasetNotFoundError(
                f"lrs3: split folder {d} not found; expected {self.expected_layout}"
            )
        return self.scan_ids(d)

    def clip_base(self, split: str) -> Path:
        return self.data_root() / split

    def load_clip(self, split: str, clip_id: str) -> Clip:
        return self.lrs_clip(self.data_root() / split, clip_id)

