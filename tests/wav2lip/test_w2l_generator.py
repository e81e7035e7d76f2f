"""The ``wav2lip`` generator on clips: crops, reference option, batching, paste-back, weights."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import talkbench
from talkbench import OptionError, WeightsMissingError
from talkbench_wav2lip import crop
from talkbench_wav2lip.generator import Wav2LipGenerator
from w2l_helpers import synthetic_clip, write_seeded_wav2lip


@pytest.fixture(scope="module")
def generator(seeded_w2l_checkpoint):
    gen = Wav2LipGenerator()
    gen.load("cpu", seeded_w2l_checkpoint)
    return gen


def test_registered_through_the_entry_point():
    assert talkbench.get_generator("wav2lip") is Wav2LipGenerator
    from talkbench.plugins import get_weight_specs

    specs = get_weight_specs()
    assert specs["wav2lip"].filename == "wav2lip.pth"
    assert specs["wav2lip_gan"].filename == "wav2lip_gan.pth"
    assert all(u.startswith("https://") for u in specs["wav2lip_gan"].urls)


def test_output_shape_and_untouched_background(generator):
    clip = synthetic_clip()
    out = generator.generate(clip, clip.audio, seed=0)
    assert out.frames.shape == clip.frames.shape and out.frames.dtype == np.uint8
    assert out.fps == clip.fps and out.audio is clip.audio
    boxes = crop.smooth_boxes(crop.pad_boxes(np.floor(clip.meta["boxes"]), (0, 10, 0, 0), 64, 80))
    inside = np.zeros(clip.frames.shape[:3], dtype=bool)
    for i, (x1, y1, x2, y2) in enumerate(boxes):
        inside[i, y1:y2, x1:x2] = True
    np.testing.assert_array_equal(out.frames[~inside], clip.frames[~inside])
    assert (out.frames[inside] != clip.frames[inside]).mean() > 0.5
    assert out.meta["generator"]["name"] == "wav2lip"
    assert out.meta["generator"]["options"]["reference"] == "same"


def test_same_reference_equals_manual_pipeline(generator, seeded_w2l_checkpoint):
    """The generator = official inference.py steps done by hand (BGR crop, mask, model, paste)."""
    from talkbench_wav2lip import audio as w2l_audio
    from talkbench_wav2lip.weights import load_wav2lip

    clip = synthetic_clip(n=4, seed=3)
    out = generator.generate(clip, clip.audio)
    model = load_wav2lip(seeded_w2l_checkpoint)
    boxes = crop.smooth_boxes(crop.pad_boxes(np.floor(clip.meta["boxes"]), (0, 10, 0, 0), 64, 80))
    bgr = np.ascontiguousarray(clip.frames[..., ::-1])
    faces = crop.crop_faces(bgr, boxes)
    mel = w2l_audio.mel_windows(w2l_audio.melspectrogram(clip.audio), 4)
    with torch.no_grad():
        pred = model(torch.from_numpy(mel), torch.from_numpy(crop.face_input(faces, faces))).numpy()
    expected = crop.paste_back(bgr, crop.to_uint8(pred), boxes)[..., ::-1]
    np.testing.assert_array_equal(out.frames, expected)


def test_batching_and_determinism(seeded_w2l_checkpoint, generator):
    clip = synthetic_clip(n=5, seed=1)
    small = Wav2LipGenerator(batch_size=2)
    small.load("cpu", seeded_w2l_checkpoint)
    a = generator.generate(clip, clip.audio).frames
    b = small.generate(clip, clip.audio).frames
    # batch composition changes float summation order at most by a rounding step
    assert np.abs(a.astype(int) - b.astype(int)).max() <= 1
    np.testing.assert_array_equal(a, generator.generate(clip, clip.audio).frames)


def test_first_frame_reference_differs(seeded_w2l_checkpoint, generator):
    clip = synthetic_clip(n=5, seed=2)
    first = Wav2LipGenerator(reference="first")
    first.load("cpu", seeded_w2l_checkpoint)
    a = generator.generate(clip, clip.audio).frames
    b = first.generate(clip, clip.audio).frames
    np.testing.assert_array_equal(a[0], b[0])  # frame 0 is its own reference either way
    assert (a[1:] != b[1:]).any()


def test_audio_drives_the_mouth(generator):
    clip = synthetic_clip(n=4, seed=4)
    silent = np.zeros_like(clip.audio)
    assert (generator.generate(clip, clip.audio).frames != generator.generate(clip, silent).frames).any()


def test_module_prefixed_checkpoint_loads(tmp_path):
    path = write_seeded_wav2lip(tmp_path / "dp.pth", seed=0, module_prefix=True)
    gen = Wav2LipGenerator()
    gen.load("cpu", path)
    assert gen.weights_used["path"] == str(path) and len(gen.weights_used["sha256"]) == 64


def test_missing_weights_is_one_line_with_url(monkeypatch, tmp_path):
    monkeypatch.setenv("TALKBENCH_HOME", str(tmp_path))
    with pytest.raises(WeightsMissingError) as err:
        Wav2LipGenerator(weights="wav2lip_gan").load("cpu")
    msg = str(err.value)
    assert "wav2lip_gan.pth" in msg and "https://" in msg and "--weights wav2lip_gan=PATH" in msg


def test_weights_override(monkeypatch, seeded_w2l_checkpoint):
    monkeypatch.setenv("TALKBENCH_WEIGHTS", f"wav2lip={seeded_w2l_checkpoint}")
    gen = Wav2LipGenerator()
    gen.load("cpu")
    assert gen.weights_used["path"] == str(seeded_w2l_checkpoint)


def test_bad_options():
    with pytest.raises(OptionError, match="reference"):
        Wav2LipGenerator(reference="middle")
    with pytest.raises(OptionError, match="wav2lip: pads='0,10' must be four integers"):
        Wav2LipGenerator(pads="0,10")


def test_clip_without_boxes_or_faces_fails_cleanly(generator):
    from talkbench import ClipFailure

    clip = synthetic_clip(n=3)
    clip.meta["boxes"] = np.full((3, 4), np.nan, dtype=np.float32)
    with pytest.raises(ClipFailure, match="no face found in 3 frames"):
        generator.generate(clip, clip.audio)
