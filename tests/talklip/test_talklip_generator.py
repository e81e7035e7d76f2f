"""The ``talklip`` generator on clips and end to end through the runner on the demo set."""

from __future__ import annotations

import json

import numpy as np
import pytest

import talkbench
from talkbench import WeightsMissingError
from talkbench_talklip.generator import TalkLipGenerator

DEMO = {"size": 64, "n_speakers": 1, "clips_per_speaker": 4, "seconds": 1.0}


def _clip(n=6, seed=0):
    rng = np.random.default_rng(seed)
    frames = rng.integers(0, 256, size=(n, 64, 80, 3), dtype=np.uint8)
    boxes = np.tile(np.array([[20, 8, 60, 44]], dtype=np.float32), (n, 1))
    audio = (0.1 * rng.standard_normal(int(n / 25 * 16000))).astype(np.float32)
    return talkbench.Clip(id="c", frames_source=frames, audio_source=audio, meta={"boxes": boxes})


@pytest.fixture(scope="module")
def generator(seeded_talklip_checkpoint):
    gen = TalkLipGenerator()
    gen.load("cpu", seeded_talklip_checkpoint)
    return gen


def test_registered_with_weights():
    assert talkbench.get_generator("talklip") is TalkLipGenerator
    from talkbench.plugins import get_weight_specs

    assert get_weight_specs()["talklip"].urls[0].startswith("https://drive.google.com/")


def test_generate_shapes_reference_and_determinism(generator, seeded_talklip_checkpoint):
    clip = _clip()
    out = generator.generate(clip, clip.audio, seed=0)
    assert out.frames.shape == clip.frames.shape and out.frames.dtype == np.uint8
    outside = np.ones(clip.frames.shape[:3], dtype=bool)
    outside[:, 8:44, 20:60] = False
    np.testing.assert_array_equal(out.frames[outside], clip.frames[outside])
    np.testing.assert_array_equal(out.frames, generator.generate(clip, clip.audio).frames)
    same = TalkLipGenerator(reference="same")
    same.load("cpu", seeded_talklip_checkpoint)
    b = same.generate(clip, clip.audio).frames
    np.testing.assert_array_equal(out.frames[0], b[0])  # frame 0 is the first frame
    assert (out.frames[1:] != b[1:]).any()
    assert out.meta["generator"]["options"]["reference"] == "first"


def test_audio_changes_the_mouth(generator):
    clip = _clip(seed=1)
    a = generator.generate(clip, clip.audio).frames
    b = generator.generate(clip, np.zeros_like(clip.audio)).frames
    assert (a != b).any()


def test_missing_weights_message(monkeypatch, tmp_path):
    monkeypatch.setenv("TALKBENCH_HOME", str(tmp_path))
    with pytest.raises(WeightsMissingError, match=r"talklip_gc.pth.*https://drive.google.com.*--weights talklip=PATH"):
        TalkLipGenerator().load("cpu")


@pytest.mark.slow  # ~10 s; the generator itself is covered above
def test_talklip_runs_on_demo(tmp_path, seeded_talklip_checkpoint):
    from talkbench.reports import load_records, render_table
    from talkbench.runner import run_benchmark

    run_dir = run_benchmark(
        "talklip", "demo", limit=1, metrics=["psnr"], checkpoint=seeded_talklip_checkpoint,
        device="cpu", out=tmp_path / "results", progress=False, dataset_options=DEMO,
    )
    record = json.loads((run_dir / "record.json").read_text())
    assert record["model"]["name"] == "talklip" and record["n_failed_clips"] == 0, record["failures"]
    assert np.isfinite(record["metrics"]["psnr"]["value"])
    assert "TalkLip" in render_table(load_records(tmp_path / "results"), fmt="markdown")


def test_generate_equals_the_reference_steps(generator, seeded_talklip_checkpoint):
    """BGR crops, first-frame identity, centre-aligned features, float paste-back truncated."""
    import cv2
    import torch

    from talkbench_talklip.audio import talklip_features
    from talkbench_talklip.weights import load_talklip
    from talkbench_wav2lip import crop

    clip = _clip(n=4, seed=2)
    out = generator.generate(clip, clip.audio).frames
    model = load_talklip(seeded_talklip_checkpoint)
    bgr = np.ascontiguousarray(clip.frames[..., ::-1])
    faces = np.stack([cv2.resize(f[8:44, 20:60], (96, 96)) for f in bgr])
    x = crop.face_input(faces, np.repeat(faces[:1], 4, axis=0))
    feats = talklip_features(np.round(clip.audio.astype(np.float64) * 32768) / 32768, 4)
    with torch.no_grad():
        pred = model(feats[None].float(), torch.from_numpy(x), torch.arange(4)).numpy()
    expected = bgr.copy()
    for i in range(4):  # TalkLip pastes with torchvision's Resize: bilinear, antialiased
        face = torch.from_numpy(pred[i] * 255.0)[None]
        resized = torch.nn.functional.interpolate(face, size=[36, 40], mode="bilinear", antialias=True)
        expected[i, 8:44, 20:60] = resized[0].numpy().transpose(1, 2, 0)
    np.testing.assert_array_equal(out, expected[..., ::-1])
    # cv2's INTER_LINEAR (Wav2Lip's paste) does not antialias: a 96 → 40 px paste differs
    cv2_paste = cv2.resize(pred[0].transpose(1, 2, 0) * 255.0, (40, 36)).astype(np.uint8)
    assert np.abs(cv2_paste.astype(int) - expected[0, 8:44, 20:60].astype(int)).max() > 1
