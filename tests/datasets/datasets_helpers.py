"""Helpers for the dataset tests (imported by module name: tests/ is not a package)."""

from __future__ import annotations

import shutil
from pathlib import Path


def put_clip(src: Path, base: Path, clip_id: str, words: str | None) -> None:
    dst = base / f"{clip_id}.mp4"
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, dst)
    if words is not None:
        (base / f"{clip_id}.txt").write_text(f"Text:  {words}\nConf:  4\n\nWORD START END ASDSCORE\n")


LRS2_CLIPS = {
    "5535415699068794046/00001": "WHEN YOU'RE COOKING CHIPS AT HOME",
    "5535415699068794046/00002": "THE TRADITIONAL CHIP PAN",
    "6330311066473698535/00011": "IT'S THE INTERNET",
    "6330311066473698535/00025": "JOIN ME TOMORROW",
}
