"""One-line errors naming the file, what is wrong and the fix (empty files, missing audio,
weights that are not checkpoints)."""

from __future__ import annotations

import numpy as np
import pytest

import talkbench
from talkbench import MediaError, WeightsInvalidError, load_clip, load_torch_checkpoint, read_frames


def test_zero_byte_video_is_empty(tmp_path):
    empty = tmp_path / "clip.mp4"
    empty.write_bytes(b"")
    expected = f"{empty}: video file is empty (0 bytes); copy or download it again"
    with pytest.raises(MediaError) as e:
        read_frames(empty)
    assert str(e.value) == expected
    with pytest.raises(MediaError) as e:
        load_clip(empty)
    assert str(e.value) == expected
    with pytest.raises(MediaError, match="media file is empty"):
        talkbench.probe(empty)


def test_zero_byte_audio_is_empty(tmp_path):
    wav = tmp_path / "a.wav"
    wav.write_bytes(b"")
    with pytest.raises(MediaError) as e:
        talkbench.read_audio(wav)
    assert str(e.value) == f"{wav}: audio file is empty (0 bytes); copy or download it again"


def test_folder_clip_without_audio_names_the_path_and_the_fix(tmp_path):
    from talkbench import get_dataset

    talkbench.write_video(tmp_path / "c.mp4", np.zeros((3, 32, 32, 3), np.uint8))
    clip = get_dataset("folder")(root=tmp_path).load_clip("test", "c")
    with pytest.raises(ValueError) as e:  # MediaError is a ValueError, as before
        clip.audio
    assert isinstance(e.value, MediaError)
    assert str(e.value) == (f"{tmp_path / 'c.mp4'}: clip c has no audio (no audio track and no sibling audio "
                            "file); put c.wav next to it or mux the speech into the video")


@pytest.mark.parametrize("content,kind", [
    (np.random.default_rng(0).bytes(2048), "not a PyTorch checkpoint (neither a zip nor a pickle file)"),
    (b"PK\x03\x04" + bytes(100), "a damaged or truncated zip checkpoint"),
])
def test_weights_that_are_not_checkpoints(tmp_path, content, kind):
    bad = tmp_path / "net.pth"
    bad.write_bytes(content)
    with pytest.raises(WeightsInvalidError) as e:
        load_torch_checkpoint(bad, "SyncNet weights")
    msg = str(e.value)
    assert msg.startswith(f"{bad}: cannot load SyncNet weights: {kind} (")
    assert msg.endswith("); download the file again (or pass the right file with --weights)")
    assert "weights_only" not in msg and "\n" not in msg


def test_a_real_checkpoint_loads(tmp_path):
    import torch

    good = tmp_path / "ok.pth"
    torch.save({"w": torch.ones(2)}, good)
    assert torch.equal(load_torch_checkpoint(good)["w"], torch.ones(2))
