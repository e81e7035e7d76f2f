"""HDTF: both release layouts, the papers' clip ids, split lists given (never invented), errors."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from talkbench.datasets.hdtf import HDTF, normalise_hdtf_id
from talkbench.errors import DatasetNotFoundError


def _flat(root, tiny_mp4, names):
    root.mkdir(parents=True, exist_ok=True)
    for n in names:
        shutil.copyfile(tiny_mp4, root / f"{n}.mp4")
    return root


def test_download_py_layout_gives_the_papers_ids(tmp_path, tiny_mp4):
    root = _flat(tmp_path / "hdtf", tiny_mp4, ["WDA_BarackObama_000", "WDA_BarackObama_001", "RD_Radio31_000"])
    ds = HDTF(root)
    assert ds.clip_ids("test") == ["RD_Radio31_000", "WDA_BarackObama_000", "WDA_BarackObama_001"]
    assert ds.clip_ids("all") == ds.clip_ids("test")
    assert "no split list given" in ds.split_source("test") and str(root) in ds.split_source("test")
    clip = ds.load_clip("test", "WDA_BarackObama_001")
    assert clip.id == "WDA_BarackObama_001" and clip.speaker == "BarackObama" and clip.meta["dataset"] == "hdtf"
    assert clip.frames.shape == (5, 48, 64, 3)
    assert clip.meta["io"]["read"] == {"fps_policy": "ffmpeg_r25_avi", "resampler": "ffmpeg_s16"}
    assert ds.clip_files("test", "RD_Radio31_000") == [root / "RD_Radio31_000.mp4"]


def test_hdtf_readme_layout_maps_to_the_same_ids(tmp_path, tiny_mp4):
    root = tmp_path / "HDTF"
    _flat(root / "WDA", tiny_mp4, ["BarackObama_0", "BarackObama_12"])
    _flat(root / "RD", tiny_mp4, ["Radio11_1"])
    ds = HDTF(root)
    assert ds.clip_ids("test") == ["RD_Radio11_001", "WDA_BarackObama_000", "WDA_BarackObama_012"]
    assert ds.load_clip("test", "WDA_BarackObama_012").path == root / "WDA" / "BarackObama_12.mp4"


def test_split_file_option_and_root_list(tmp_path, tiny_mp4):
    root = _flat(tmp_path / "hdtf", tiny_mp4, ["WDA_A_000", "WDA_B_000", "WRA_C_000"])
    lst = tmp_path / "my_test.txt"
    lst.write_text("# the test clips of paper X\nWDA_B_000.mp4\nclips/WRA_C_0.mp4\n\n")
    ds = HDTF(root, split_file=str(lst))
    assert ds.clip_ids("test") == ["WDA_B_000", "WRA_C_000"]
    assert ds.split_source("test") == f"split list {lst.resolve()}"
    assert ds.clip_ids("all") == ["WDA_A_000", "WDA_B_000", "WRA_C_000"]  # all ignores lists
    (root / "train.txt").write_text("WDA_A_000\n")
    assert HDTF(root).clip_ids("train") == ["WDA_A_000"]
    with pytest.raises(DatasetNotFoundError, match=r"^hdtf: no list for split 'val'; pass --dataset-option split_file"):
        HDTF(root).clip_ids("val")


def test_listed_clip_missing_from_root_fails_that_clip(tmp_path, tiny_mp4):
    root = _flat(tmp_path / "hdtf", tiny_mp4, ["WDA_A_000"])
    (root / "test.txt").write_text("WDA_A_000\nWDA_Gone_003\n")
    ds = HDTF(root)
    assert ds.clip_ids("test") == ["WDA_A_000", "WDA_Gone_003"]
    with pytest.raises(DatasetNotFoundError, match=r"clip WDA_Gone_003 is in the split list but not in .*download it"):
        ds.load_clip("test", "WDA_Gone_003")


def test_bad_inputs_are_one_line_errors(tmp_path, tiny_mp4):
    root = _flat(tmp_path / "hdtf", tiny_mp4, ["WDA_A_000", "holiday"])
    with pytest.raises(DatasetNotFoundError) as e:
        HDTF(root).clip_ids("test")
    msg = str(e.value)
    assert "\n" not in msg and str(root / "holiday.mp4") in msg and "rename it or move it out" in msg
    (root / "holiday.mp4").unlink()
    (root / "WDA").mkdir()
    shutil.copyfile(tiny_mp4, root / "WDA" / "A_0.mp4")
    with pytest.raises(DatasetNotFoundError, match=r"WDA_A_000.mp4 and .*A_0.mp4 are both clip WDA_A_000; keep one"):
        HDTF(root).clip_ids("test")
    bad = tmp_path / "bad.txt"
    bad.write_text("WDA_A_000\nspeaker/00001\n")
    (root / "WDA" / "A_0.mp4").unlink()
    with pytest.raises(DatasetNotFoundError, match=r"bad.txt line 2: 'speaker/00001' is not an HDTF clip id"):
        HDTF(root, split_file=str(bad)).clip_ids("test")
    with pytest.raises(DatasetNotFoundError, match=r"split_file .*nope.txt does not exist"):
        HDTF(root, split_file=str(tmp_path / "nope.txt")).clip_ids("test")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(DatasetNotFoundError, match=r"^hdtf: --data-root .*empty is empty; expected ROOT/<RD\|WDA\|WRA>_"):
        HDTF(empty).clip_ids("test")


def test_id_normalisation():
    assert normalise_hdtf_id("WDA/BarackObama_0.mp4") == "WDA_BarackObama_000"
    assert normalise_hdtf_id("/data/hdtf/WRA_JohnKasich_1.mp4") == "WRA_JohnKasich_001"
    assert normalise_hdtf_id("BarackObama_0") is None  # no subset: ambiguous


def test_hdtf_real_clips_as_symlinks(realdata, tmp_path):
    """SadTalker's WDA examples are HDTF clips: a folder of symlinks in download.py's layout."""
    root = tmp_path / "hdtf"
    root.mkdir()
    for n in ("AlexandriaOcasioCortez", "KatieHill"):
        (root / f"WDA_{n}_000.mp4").symlink_to(realdata / "video" / f"sadtalker_WDA_{n}_000.mp4")
    ds = HDTF(root)
    assert ds.clip_ids("test") == ["WDA_AlexandriaOcasioCortez_000", "WDA_KatieHill_000"]
    clip = ds.load_clip("test", "WDA_KatieHill_000")
    assert clip.frames.shape == (200, 512, 512, 3) and abs(len(clip.audio) - 128000) <= 640
    assert clip.meta["io"]["audio"]["source_channels"] == 2 and clip.meta["io"]["audio"]["resampler"] == "ffmpeg_s16"


def test_hdtf_run_record_says_where_the_clip_list_came_from(tmp_path, tiny_mp4, monkeypatch):
    from talkbench.runner import run_benchmark

    root = _flat(tmp_path / "hdtf", tiny_mp4, ["WDA_A_000", "WDA_B_000"])
    monkeypatch.setenv("TALKBENCH_LOAD_PLUGINS", "builtins,datasets,imagequality")
    kw = dict(data_root=str(root), metrics=["ssim"], metric_options={"ssim": {"region": "full"}},
              out=str(tmp_path / "results"), progress=False)
    run1 = run_benchmark("gt", "hdtf", **kw)
    rec = json.loads((run1 / "record.json").read_text())
    assert rec["dataset"]["name"] == "hdtf" and rec["dataset"]["split_size"] == 2
    assert rec["dataset"]["split_source"] == f"every clip in {root} (no split list given; HDTF has no official split)"
    assert rec["dataset"]["options"] == {"fps_policy": "ffmpeg_r25_avi", "resampler": "ffmpeg_s16", "split_file": ""}
    assert rec["metrics"]["ssim"]["value"] == pytest.approx(1.0)
    lst = tmp_path / "one.txt"
    lst.write_text("WDA_B_000\n")
    run2 = run_benchmark("gt", "hdtf", dataset_options={"split_file": str(lst)}, **kw)
    rec2 = json.loads((run2 / "record.json").read_text())
    assert rec2["dataset"]["split_source"] == f"split list {lst.resolve()}" and rec2["dataset"]["n_clips"] == 1
    # another clip list or read policy is another run (the dataset options are in the run key)
    run3 = run_benchmark("gt", "hdtf", dataset_options={"fps_policy": "native"}, **kw)
    assert len({run1, run2, run3}) == 3
