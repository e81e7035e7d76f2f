"""folder: any directory of videos, with audio inside or beside, optional transcripts."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from scipy.io import wavfile

import talkbench
from talkbench import DatasetNotFoundError, MediaError, get_dataset

REAL_IDS = [
    "sadtalker_WDA_AlexandriaOcasioCortez_000", "sadtalker_WDA_KatieHill_000",
    "videoretalking_face_1", "videoretalking_face_2", "videoretalking_face_3",
    "videoretalking_face_4", "videoretalking_face_5",
]


def test_folder_on_realdata(realdata):
    ds = get_dataset("folder")(root=Path(realdata) / "video")
    assert ds.clip_ids("test") == REAL_IDS
    clip = ds.load_clip("test", "videoretalking_face_1")  # 22.13 fps source → 25 fps
    assert callable(clip.frames_source) and clip.transcript is None
    # 153: ffmpeg's -r 25 chain (the default fps_policy; the fps filter would give 152)
    assert clip.frames.shape == (153, 700, 700, 3) and clip.audio.ndim == 1


def test_sibling_audio_transcript_and_subfolders(tmp_path, tiny_mp4):
    silent = talkbench.write_video(tmp_path / "spk" / "a.mp4", np.zeros((4, 32, 32, 3), np.uint8))
    wavfile.write(tmp_path / "spk" / "a.wav", 16000, (np.ones(2000) * 1000).astype(np.int16))
    (tmp_path / "spk" / "a.txt").write_text("hello there\n")
    shutil.copyfile(tiny_mp4, tmp_path / "b.mp4")
    (tmp_path / "b.txt").write_text("Text:  LRS STYLE WORDS\nConf:  3\n")
    talkbench.write_video(tmp_path / "c.mp4", np.zeros((3, 32, 32, 3), np.uint8))  # no audio at all
    (tmp_path / ".hidden.mp4").write_bytes(b"partial write")
    ds = get_dataset("folder")(root=tmp_path)
    assert ds.clip_ids("test") == ["b", "c", "spk/a"]
    a = ds.load_clip("test", "spk/a")
    assert a.transcript == "hello there" and a.speaker == "spk" and a.audio.shape == (2000,)
    assert silent.exists() and a.meta["io"]["audio"]["path"].endswith("a.wav")
    assert ds.load_clip("test", "b").transcript == "LRS STYLE WORDS"
    c = ds.load_clip("test", "c")
    assert not c.has_audio and c.frames.shape[0] == 3  # frames still usable (prepare, image metrics)
    with pytest.raises(ValueError, match="has no audio"):
        c.audio


def test_split_subfolder(tmp_path, tiny_mp4):
    for rel in ("test/x.mp4", "extra/y.mp4", "z.mp4"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(tiny_mp4, tmp_path / rel)
    ds = get_dataset("folder")(root=tmp_path)
    assert ds.clip_ids("test") == ["x"]
    assert ds.clip_ids("extra") == ["y"]
    assert ds.clip_ids("all") == ["extra/y", "test/x", "z"]  # no such folder: the whole root


def test_folder_bad_roots(tmp_path):
    with pytest.raises(DatasetNotFoundError, match="is empty; expected ROOT/\\*\\*/<name>.mp4"):
        (tmp_path / "e").mkdir()
        get_dataset("folder")(root=tmp_path / "e").clip_ids("test")
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "readme.txt").write_text("no videos here")
    with pytest.raises(DatasetNotFoundError, match="wrong layout"):
        get_dataset("folder")(root=tmp_path / "docs").clip_ids("test")
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "v.mp4").write_bytes(b"\x00" * 100)
    ds = get_dataset("folder")(root=broken)
    with pytest.raises(MediaError, match="v.mp4: cannot open"):
        ds.load_clip("test", "v")
