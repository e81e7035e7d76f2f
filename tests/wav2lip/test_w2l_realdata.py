"""Wav2Lip on a real clip without given geometry: boxes come from talkbench.faces (detector)."""

from __future__ import annotations

import numpy as np

import talkbench
from talkbench_wav2lip.generator import Wav2LipGenerator


def test_real_clip_cross_driven_uses_the_face_tracker(realdata, seeded_w2l_checkpoint):
    video = talkbench.load_clip(realdata / "video" / "videoretalking_face_5.mp4")
    driving = talkbench.load_clip(realdata / "audio" / "videoretalking_audio_1.wav")  # 44.1 kHz stereo
    n = 8
    clip = video.replace(frames=video.frames[:n], meta={})
    audio = driving.audio[: int(n / 25 * 16000)]
    gen = Wav2LipGenerator(batch_size=8)
    gen.load("cpu", seeded_w2l_checkpoint)
    out = gen.generate(clip, audio)
    assert out.frames.shape == clip.frames.shape
    changed = (out.frames != clip.frames).any(axis=(0, 3))
    ys, xs = np.nonzero(changed)
    assert changed.sum() > 0.02 * changed.size  # a face-sized region was replaced...
    h, w = changed.shape
    # ...a box around the detected face, not the whole frame
    assert 0 < xs.min() and xs.max() < w - 1 and 0 < ys.min() and ys.max() < h - 1
    assert (ys.max() - ys.min()) < 0.8 * h
