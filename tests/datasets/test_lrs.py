"""lrs2 / lrs3: layouts, filelists, transcripts, lazy loading, roots from the environment."""

from __future__ import annotations

import numpy as np
import pytest

from talkbench import DatasetNotFoundError, get_dataset

from datasets_helpers import LRS2_CLIPS


def test_datasets_are_registered_through_the_entry_point():
    from talkbench.datasets import LRS2, LRS3, FolderDataset

    assert get_dataset("lrs2") is LRS2 and get_dataset("lrs3") is LRS3
    assert get_dataset("folder") is FolderDataset


def test_lrs2_filelists_and_transcripts(lrs2_root):
    ds = get_dataset("lrs2")(root=lrs2_root)
    assert ds.clip_ids("train") == ["5535415699068794046/00001", "5535415699068794046/00002"]
    # LRS2's own test.txt carries a tag after the id: ignored
    assert ds.clip_ids("test") == ["6330311066473698535/00011", "6330311066473698535/00025"]
    assert ds.clip_ids("talklip_test") == ds.clip_ids("test")
    clip = ds.load_clip("test", "6330311066473698535/00011")
    assert callable(clip.frames_source) and callable(clip.audio_source)  # lazy until used
    assert clip.id == "6330311066473698535/00011" and clip.speaker == "6330311066473698535"
    assert clip.transcript == LRS2_CLIPS[clip.id] and clip.meta["dataset"] == "lrs2"
    assert clip.frames.shape == (5, 48, 64, 3) and clip.audio.dtype == np.float32
    assert [c.transcript for c in ds.iter_clips("train")] == [
        LRS2_CLIPS["5535415699068794046/00001"], LRS2_CLIPS["5535415699068794046/00002"]]
    assert len(ds.file_list_hash("test")) == 64


def test_lrs2_root_may_be_the_archive_parent(lrs2_root):
    ds = get_dataset("lrs2")(root=lrs2_root.parent)  # …/mvlrs_v1 is found inside
    assert ds.data_root() == lrs2_root


def test_lrs2_missing_lists(lrs2_root):
    ds = get_dataset("lrs2")(root=lrs2_root)
    with pytest.raises(DatasetNotFoundError, match="val.txt: filelist has no <speaker>/<id> lines"):
        ds.clip_ids("val")
    (lrs2_root / "test.txt").unlink()
    (lrs2_root / "test.tsv").unlink()
    ds = get_dataset("lrs2")(root=lrs2_root)
    assert ds.clip_ids("test") == sorted(LRS2_CLIPS)  # no list: every clip under main/
    with pytest.raises(DatasetNotFoundError, match="TalkLip's test list not found"):
        ds.clip_ids("talklip_test")
    with pytest.raises(DatasetNotFoundError, match="unknown split 'dev'"):
        ds.clip_ids("dev")
    with pytest.raises(DatasetNotFoundError, match="no pretrain.txt filelist"):
        ds.clip_ids("pretrain")


def test_lrs2_pretrain_folder(lrs2_root, tiny_mp4):
    from datasets_helpers import put_clip

    put_clip(tiny_mp4, lrs2_root / "pretrain", "5535415699068794046/00003", "A LONGER PRETRAIN UTTERANCE")
    ds = get_dataset("lrs2")(root=lrs2_root)
    assert ds.clip_ids("pretrain") == ["5535415699068794046/00003"]
    clip = ds.load_clip("pretrain", "5535415699068794046/00003")
    assert clip.transcript == "A LONGER PRETRAIN UTTERANCE" and clip.path.parent.parent.name == "pretrain"


def test_lrs3_layout(lrs3_root):
    ds = get_dataset("lrs3")(root=lrs3_root)
    assert ds.clip_ids("test") == ["0Fi83BHQsMA/00002", "0Fi83BHQsMA/00004", "zzYdMbAvzbs/00001"]
    assert ds.clip_ids("trainval") == ["abc/00001"]
    assert ds.load_clip("test", "0Fi83BHQsMA/00004").transcript == "OF THE WORLD"
    assert ds.load_clip("test", "zzYdMbAvzbs/00001").transcript is None
    with pytest.raises(DatasetNotFoundError, match="split folder .*pretrain not found"):
        ds.clip_ids("pretrain")
    with pytest.raises(DatasetNotFoundError, match="clip 0Fi83BHQsMA/09999 not found"):
        ds.load_clip("test", "0Fi83BHQsMA/09999")


@pytest.mark.parametrize("name", ["lrs2", "lrs3"])
def test_wrong_roots_show_the_expected_tree(tmp_path, name):
    cls = get_dataset(name)
    expected = "main/<speaker>/<id>.mp4" if name == "lrs2" else "test/<speaker>/<id>.mp4"
    with pytest.raises(DatasetNotFoundError, match="does not exist") as err:
        cls(root=tmp_path / "nope").clip_ids("test")
    assert expected in str(err.value) and "--data-root" in str(err.value)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(DatasetNotFoundError, match="is empty"):
        cls(root=empty).clip_ids("test")
    wrong = tmp_path / "wrong"
    (wrong / "videos").mkdir(parents=True)
    (wrong / "videos" / "a.mp4").write_bytes(b"x")
    with pytest.raises(DatasetNotFoundError, match="has the wrong layout") as err:
        cls(root=wrong).clip_ids("test")
    assert expected in str(err.value)


def test_root_from_talkbench_data(monkeypatch, lrs2_root, lrs3_root, tmp_path):
    monkeypatch.delenv("TALKBENCH_DATA", raising=False)
    with pytest.raises(DatasetNotFoundError, match="no data root given.*TALKBENCH_DATA"):
        get_dataset("lrs3")().clip_ids("test")
    monkeypatch.setenv("TALKBENCH_DATA", str(lrs3_root))  # the dataset root itself
    assert len(get_dataset("lrs3")().clip_ids("test")) == 3
    monkeypatch.setenv("TALKBENCH_DATA", str(tmp_path))  # a parent holding lrs3/ and mvlrs_v1/
    assert len(get_dataset("lrs3")().clip_ids("test")) == 3
    (tmp_path / "lrs2").symlink_to(lrs2_root)
    assert get_dataset("lrs2")().clip_ids("train")[0] == "5535415699068794046/00001"
