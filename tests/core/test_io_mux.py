"""The writers' shared container helper: all or nothing on disk, readable by others."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from talkbench.errors import MediaError
from talkbench.io import read_frames, write_lossless, write_video
from talkbench.io.mux import atomic_container


def test_a_failed_write_leaves_neither_the_file_nor_its_temp(tmp_path):
    target = tmp_path / "clip.mkv"
    with pytest.raises(RuntimeError, match="encoder died"):
        with atomic_container(target, "matroska") as out:
            out.add_stream("ffv1", rate=25)
            raise RuntimeError("encoder died")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("write", [write_video, write_lossless])
def test_both_writers_share_the_atomic_rename_and_the_frame_check(tmp_path, write):
    frames = np.random.default_rng(1).integers(0, 256, (3, 64, 64, 3), dtype=np.uint8)
    path = write(tmp_path / "sub" / "a.out", frames, fps=25.0)
    assert [p.name for p in path.parent.iterdir()] == ["a.out"]  # no temp file left beside it
    assert path.stat().st_mode & 0o777 == 0o644
    back, info = read_frames(path, fps=None)
    assert back.shape == frames.shape and info["source_frames"] == 3
    with pytest.raises(MediaError, match=r"b\.out: frames must be T×H×W×3 uint8, got \(3, 64, 64\) uint8"):
        write(tmp_path / "b.out", frames[..., 0], fps=25.0)
    assert not (tmp_path / "b.out").exists()


def test_the_writers_temp_name_is_the_one_a_resumed_run_cleans(tmp_path):
    from talkbench.io.mux import _atomic_target
    from talkbench.runner.lock import _temp_pattern

    tmp = Path(_atomic_target(tmp_path / "test000.mp4"))
    assert _temp_pattern("test000.mp4").match(tmp.name), tmp.name
    assert not _temp_pattern("test000x.mp4").match(tmp.name)
