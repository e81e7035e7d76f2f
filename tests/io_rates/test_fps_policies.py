"""The 25 fps conversion picks ffmpeg's frames: each policy against the ffmpeg CLI's choice.

ffmpeg_choices.json holds what the ffmpeg 5.1 CLI chose (build_ffmpeg_choices.py) on
frame-numbered clips at 23.976-60 fps and variable frame rate, and on the real 22.13 and 30 fps
clips; where the CLI is installed, one test also re-runs it live.
"""

from __future__ import annotations

import shutil
from fractions import Fraction

import numpy as np
import pytest

from rates_clips import build, clip_names, index_of
from talkbench import load_clip, read_frames
from talkbench.io.framerate import FPS_POLICIES, indices_for, vsync

CLI_POLICIES = ("ffmpeg_r25_avi", "ffmpeg_r25", "fps_filter")


@pytest.mark.parametrize("name", clip_names())
@pytest.mark.parametrize("policy", CLI_POLICIES)
def test_synthetic_clip_frames_equal_ffmpeg_cli(ffmpeg_choices, rate_clips, name, policy):
    frames, info = read_frames(build(name, rate_clips), fps_policy=policy)
    got = [index_of(f) for f in frames]
    assert got == ffmpeg_choices["synthetic"][name][policy]
    assert info["fps_policy"] == policy and info["fps"] == 25.0


def test_the_policies_differ_where_the_issue_says(ffmpeg_choices):
    """50 fps: -r 25 (syncnet_python's avi) shows 0,1,2,4,6..., the fps filter 0,2,4,6..."""
    c50 = ffmpeg_choices["synthetic"]["cfr50.mkv"]
    assert c50["ffmpeg_r25_avi"][:6] == [0, 1, 2, 4, 6, 8]
    assert c50["fps_filter"][:6] == [0, 2, 4, 6, 8, 10]
    assert c50["ffmpeg_r25"][:6] == [0, 1, 2, 3, 5, 7]
    # at 25 fps every policy keeps every frame
    c25 = ffmpeg_choices["synthetic"]["cfr25.mp4"]
    assert all(c25[p] == list(range(82)) for p in CLI_POLICIES)


REAL = ("videoretalking_face_1.mp4", "videoretalking_face_4.mp4", "videoretalking_face_2.mp4")
_DECODED: dict = {}


def _decoded(path):
    from talkbench.io.video import _decode

    if path not in _DECODED:  # decode each real clip once for all policies
        _DECODED[path] = _decode(path)[:3]
    return _DECODED[path]


@pytest.mark.parametrize("name", REAL)
@pytest.mark.parametrize("policy", CLI_POLICIES)
def test_real_clip_frame_choice_equals_ffmpeg_cli(ffmpeg_choices, realdata, name, policy):
    """22.13 fps (variable, video starting 33 ms after the audio), 30 fps and 25 fps clips: the
    recorded indices are the first source frame with each CLI output's exact picture, so equal
    pictures count as equal choices."""
    frames, times, _ = _decoded(realdata / "video" / name)
    want = ffmpeg_choices["real"][name][policy]
    got = indices_for(policy, times)
    assert len(got) == len(want)
    assert all(i == j or np.array_equal(frames[i], frames[j]) for i, j in zip(got, want))


def test_real_clip_read_at_25fps_is_ffmpegs(ffmpeg_choices, realdata):
    path = realdata / "video" / "videoretalking_face_1.mp4"
    frames, info = read_frames(path)
    native = _decoded(path)[0]
    want = ffmpeg_choices["real"]["videoretalking_face_1.mp4"]["ffmpeg_r25_avi"]
    assert info["resampled"] is True and len(frames) == len(want) == 153
    assert all(np.array_equal(f, native[i]) for f, i in zip(frames, want))


def test_native_policy_keeps_every_frame_as_25fps(rate_clips):
    clip = load_clip(build("cfr30.mkv", rate_clips), fps_policy="native", require_audio=False)
    assert [index_of(f) for f in clip.frames] == list(range(99))
    assert clip.fps == 25.0
    io = clip.meta["io"]
    assert io["read"] == {"fps_policy": "native", "resampler": "ffmpeg_s16"}
    assert io["video"]["fps_policy"] == "native" and io["video"]["resampled"] is False
    assert "calculate_scores_LRS" in io["video"]["fps_reference"]
    assert io["video"]["retimed"] == "99 frames at 30.000 fps taken as 25 fps"
    assert "retimed" not in read_frames(build("cfr25.mkv", rate_clips), fps_policy="native")[1]


def test_policy_is_recorded_and_checked(rate_clips):
    clip = load_clip(build("cfr50.mp4", rate_clips), require_audio=False)
    assert clip.meta["io"]["read"]["fps_policy"] == "ffmpeg_r25_avi"  # before decoding
    clip.frames
    assert clip.meta["io"]["video"]["resampled"] is True
    assert "syncnet_python" in clip.meta["io"]["video"]["fps_reference"]
    with pytest.raises(ValueError, match="unknown fps_policy 'nearest'; use one of " + ", ".join(FPS_POLICIES)):
        load_clip(build("cfr50.mp4", rate_clips), fps_policy="nearest", require_audio=False)


def test_vsync_rules_by_hand():
    """fftools' rules on 50 fps pts: vfr drops every other frame one slot late; cfr repeats."""
    pts = np.arange(10) * 20
    kept = vsync(pts, Fraction(1, 1000), np.full(10, 20), Fraction(50), "vfr")
    assert kept == [(0, 0), (1, 1), (2, 2), (4, 3), (6, 4), (8, 5)]
    # 24 fps into 25 (cfr): nothing dropped, one frame shown twice; a one-slot gap is filled
    # with the NEXT frame (frame 12 twice), where the fps filter repeats the previous (11)
    times = _times(np.arange(30) * 1000, Fraction(1, 24000), Fraction(24))
    idx = indices_for("ffmpeg_r25", times).tolist()
    assert sorted(set(idx)) == list(range(30)) and idx[11:14] == [11, 12, 12]
    assert indices_for("fps_filter", times).tolist()[11:14] == [11, 11, 12]


def _times(pts, tb, rate):
    from talkbench.io.framerate import FrameTimes

    return FrameTimes(pts=np.asarray(pts), durations=np.full(len(pts), 1000), time_base=tb, file_start=0,
                      guessed_rate=rate)


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg CLI not installed (apt install ffmpeg)")
def test_live_ffmpeg_cli_agrees(rate_clips, tmp_path):
    """The recorded choices are still the installed CLI's (one clip per rule, to stay fast)."""
    import subprocess

    from rates_clips import decoded_indices

    src = build("cfr60.mp4", rate_clips)
    out = tmp_path / "fps.mkv"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(src), "-vf", "fps=25", "-c:v", "ffv1", str(out)],
                   check=True)
    assert [index_of(f) for f in read_frames(src, fps_policy="fps_filter")[0]] == decoded_indices(out)
    avi = tmp_path / "video.avi"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(src), "-async", "1", "-r", "25", "-c:v", "ffv1",
                    str(avi)], check=True)
    dumped = tmp_path / "dump.mkv"  # the dump's cfr rules, into a container instead of jpgs
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(avi), "-fps_mode", "cfr", "-c:v", "ffv1", str(dumped)],
                   check=True)
    assert [index_of(f) for f in read_frames(src)[0]] == decoded_indices(dumped)
