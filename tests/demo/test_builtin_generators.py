"""gt returns the reference; static freezes the first frame for the audio's length."""

from __future__ import annotations

import numpy as np

import talkbench


def test_gt_returns_reference(demo):
    clip = demo.load_clip("test", demo.clip_ids("test")[0])
    gen = talkbench.get_generator("gt")()
    gen.load("cpu")
    out = gen.generate(clip, clip.audio, seed=0)
    np.testing.assert_array_equal(out.frames, clip.frames)
    np.testing.assert_array_equal(out.audio, clip.audio)
    np.testing.assert_array_equal(out.meta["landmarks"], clip.meta["landmarks"])
    assert out.id == clip.id and out.fps == clip.fps and out.meta["generator"] == "gt"


def test_static_repeats_first_frame_for_the_audio(demo):
    clip = demo.load_clip("test", demo.clip_ids("test")[1])
    gen = talkbench.get_generator("static")()
    gen.load("cpu")
    out = gen.generate(clip, clip.audio, seed=0)
    assert out.frames.shape == clip.frames.shape
    assert (out.frames == clip.frames[0]).all()
    assert not (clip.frames == clip.frames[0]).all()  # the source did move
    assert (out.meta["landmarks"] == clip.meta["landmarks"][0]).all()
    assert out.meta["landmarks"].shape == clip.meta["landmarks"].shape
    # shorter driving audio -> shorter video (1.2 s -> 30 frames)
    short = gen.generate(clip, clip.audio[:19200])
    assert short.frames.shape[0] == 30 and short.meta["boxes"].shape == (30, 4)
    assert short.audio.shape == (19200,)
    assert clip.meta["landmarks"].shape == (75, 68, 2)  # the source is untouched
