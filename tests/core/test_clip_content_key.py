"""Clip.content_key: one hash of a clip's decoded content, shared by every metric of a run."""

from __future__ import annotations


import numpy as np

from talkbench import Clip


def _clip(seed=0, frames=None):
    rng = np.random.default_rng(seed)
    f = frames if frames is not None else rng.integers(0, 255, (6, 8, 8, 3), dtype=np.uint8)
    return Clip("c", frames_source=f, audio_source=rng.standard_normal(3840).astype(np.float32))


def test_equal_content_equal_key_and_any_change_moves_it():
    a, b = _clip(0), _clip(0)
    assert a.content_key() == b.content_key() and len(a.content_key()) == 32
    changed = a.frames.copy()
    changed[3, 4, 4, 1] ^= 1
    assert a.replace(frames=changed).content_key() != a.content_key()
    louder = a.audio * 1.01
    assert a.replace(audio=louder).content_key() != a.content_key()
    assert a.replace(audio=None).content_key() != a.content_key()  # no audio is content too
    # same bytes, other shape: a different clip
    assert a.replace(frames=a.frames.reshape(6, 4, 16, 3)).content_key() != a.content_key()


def test_hashed_once_per_clip_object_and_again_when_its_arrays_change(blake2b_calls):
    calls = blake2b_calls
    clip = _clip(1)
    first = clip.content_key()
    assert clip.content_key() == first and len(calls) == 1
    clip.frames_source = clip.frames.copy()  # a new array object: hashed anew (same content, same key)
    assert clip.content_key() == first and len(calls) == 2
    clip.frames_source = np.zeros_like(clip.frames)
    assert clip.content_key() != first and len(calls) == 3
