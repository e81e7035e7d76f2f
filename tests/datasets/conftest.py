"""Fake LRS2/LRS3 trees built from one tiny real mp4 (written once per session)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import talkbench

from datasets_helpers import LRS2_CLIPS, put_clip


@pytest.fixture(scope="session")
def tiny_mp4(tmp_path_factory) -> Path:
    rng = np.random.default_rng(0)
    frames = rng.integers(0, 256, (5, 48, 64, 3), dtype=np.uint8)
    audio = (0.1 * np.sin(np.linspace(0, 400, 3200))).astype(np.float32)
    return talkbench.write_video(tmp_path_factory.mktemp("media") / "tiny.mp4", frames, 25, audio, 16000)


@pytest.fixture
def lrs2_root(tmp_path, tiny_mp4) -> Path:
    root = tmp_path / "mvlrs_v1"
    for cid, words in LRS2_CLIPS.items():
        put_clip(tiny_mp4, root / "main", cid, words)
    (root / "train.txt").write_text("5535415699068794046/00001\n5535415699068794046/00002\n")
    (root / "val.txt").write_text("")
    (root / "test.txt").write_text("6330311066473698535/00025 NF\n6330311066473698535/00011 MV\n")
    (root / "test.tsv").write_text(
        "/\n6330311066473698535/00011\t58\t38912\n6330311066473698535/00025\t47\t31744\n"
    )
    return root


@pytest.fixture
def lrs3_root(tmp_path, tiny_mp4) -> Path:
    root = tmp_path / "lrs3"
    put_clip(tiny_mp4, root / "test", "0Fi83BHQsMA/00002", "AND THEN THE REST")
    put_clip(tiny_mp4, root / "test", "0Fi83BHQsMA/00004", "OF THE WORLD")
    put_clip(tiny_mp4, root / "test", "zzYdMbAvzbs/00001", None)  # transcript missing
    put_clip(tiny_mp4, root / "trainval", "abc/00001", "TRAIN")
    return root
