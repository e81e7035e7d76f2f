"""The face-track cache keys in-memory clips by ``Clip.content_key()`` (versioned): one hash per
clip object however many tracks are asked of it, and every change of the pixels misses."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest

import talkbench
from talkbench.faces import cache as face_cache
from talkbench.faces import track_faces


@pytest.fixture
def four_frames(realdata, tmp_path, monkeypatch):
    monkeypatch.setenv("TALKBENCH_HOME", str(tmp_path / "home"))  # a cache of its own
    clip = talkbench.load_clip(Path(realdata) / "video" / "videoretalking_face_5.mp4")
    return np.ascontiguousarray(clip.frames[:4]), clip.audio[: 4 * 640]


def test_in_memory_clip_is_hashed_once_and_keyed_by_its_versioned_content_key(four_frames, blake2b_calls):
    frames, audio = four_frames
    calls = blake2b_calls
    clip = talkbench.Clip(id="gen", frames_source=frames, audio_source=audio)
    first = track_faces(clip, backend="dlib")
    second = track_faces(clip, backend="dlib", smooth=0)  # another metric's tracking options
    assert (first.meta["cache"], second.meta["cache"]) == ("miss", "hit")
    assert len(calls) == 1  # the frames were hashed once for both tracks
    content = clip.content_key()
    assert face_cache.clip_content_key(clip) == f"clip{face_cache.CLIP_KEY_VERSION}:{content}"
    be_settings = first.meta["detect"]
    assert first.meta["cache_key"] == face_cache.cache_key(
        f"clip{face_cache.CLIP_KEY_VERSION}:{content}", clip.fps, "dlib", first.version, be_settings)
    # the old format's key of the same pixels ("pixels:<sha256>") is another entry: never read
    old = hashlib.sha256(str(frames.shape).encode() + frames.data).hexdigest()
    assert face_cache.cache_key("pixels:" + old, clip.fps, "dlib", first.version, be_settings) != first.meta["cache_key"]


def test_changed_pixels_or_layout_miss_the_cache(four_frames):
    frames, audio = four_frames
    base = talkbench.Clip(id="gen", frames_source=frames, audio_source=audio)
    track_faces(base, backend="dlib")
    same = talkbench.Clip(id="other-id", frames_source=frames.copy(), audio_source=audio.copy())
    assert track_faces(same, backend="dlib").meta["cache"] == "hit"  # content, not identity
    changed = frames.copy()
    changed[0, 0, 0, 0] ^= 1  # one value of one pixel
    assert track_faces(base.replace(frames=changed), backend="dlib").meta["cache"] == "miss"
    keys = {face_cache.clip_content_key(base.replace(frames=f)) for f in
            (frames, frames.reshape(2, 2 * frames.shape[1], frames.shape[2], 3))}
    assert len(keys) == 2  # same bytes, other shape: another key
