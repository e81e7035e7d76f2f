"""The ``external`` generator with tint_tool.py standing in for a real model's inference script."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

import numpy as np
import pytest

import talkbench
from talkbench import Clip, ClipFailure, OptionError
from talkbench_external.command import build_argv
from talkbench_external.generator import ExternalGenerator
from talkbench_external.presets import load_preset, preset_names

TOOL = Path(__file__).resolve().parent / "tint_tool.py"
W2L_CMD = f"{{python}} {shlex.quote(str(TOOL))} --face {{video}} --audio {{audio}} --outfile {{out}}"
SAD_CMD = f"{{python}} {shlex.quote(str(TOOL))} --driven_audio {{audio}} --source_image {{image}} --result_dir {{outdir}}"


def gradient_clip(n: int = 10, h: int = 48, w: int = 64) -> Clip:
    """Smooth frames (so H.264 round trips stay within a few grey levels) and a 440 Hz tone."""
    y, x = np.mgrid[0:h, 0:w]
    frames = np.stack([
        np.stack([(x * 2 + 4 * t) % 200, (y * 3) % 200, np.full_like(x, 100)], axis=-1)
        for t in range(n)
    ]).astype(np.uint8)
    audio = (0.3 * np.sin(2 * np.pi * 440 * np.arange(int(n / 25 * 16000)) / 16000)).astype(np.float32)
    return Clip(id="grad", frames_source=frames, audio_source=audio)


def test_registered():
    assert talkbench.get_generator("external") is ExternalGenerator
    assert {"sadtalker", "wav2lip-official"} <= set(preset_names())


def test_tinted_round_trip():
    clip = gradient_clip()
    gen = ExternalGenerator(cmd=W2L_CMD)
    gen.load("cpu")
    out = gen.generate(clip, clip.audio)
    assert out.frames.shape == clip.frames.shape
    diff = out.frames.astype(int) - clip.frames.astype(int)
    # the tool's +40 red tint came back; two lossy yuv420 encodes leak a few levels into G/B
    assert 30 < diff[..., 0].mean() < 50
    assert abs(diff[..., 1].mean()) < 8 and abs(diff[..., 2].mean()) < 8
    assert diff[..., 0].mean() - max(abs(diff[..., 1].mean()), abs(diff[..., 2].mean())) > 25
    assert out.audio is clip.audio and out.fps == 25.0
    assert out.meta["generator"]["label"] == "external" and out.meta["generator"]["resized"] is False


def test_other_frame_rate_is_resampled_to_25():
    clip = gradient_clip(n=10)
    gen = ExternalGenerator(cmd=W2L_CMD + " --out-fps 30")
    out = gen.generate(clip, clip.audio)
    assert out.meta["generator"]["io"]["video"]["source_fps"] == pytest.approx(30.0)
    # 12 frames at 30 fps → 11 at 25 fps: ffmpeg's -r 25 choice (talkbench.io.framerate default)
    assert out.frames.shape[0] == 11 and out.fps == 25.0
    assert out.meta["generator"]["io"]["video"]["fps_policy"] == "ffmpeg_r25_avi"


def test_output_is_read_with_the_sources_frame_rate_policy():
    """A dataset read with ``-vf fps=25`` (or native) reads the tool's output the same way."""
    clip = gradient_clip(n=10)
    clip.meta["io"] = {"read": {"fps_policy": "native", "resampler": "ffmpeg_s16"}}
    out = ExternalGenerator(cmd=W2L_CMD + " --out-fps 30").generate(clip, clip.audio)
    io = out.meta["generator"]["io"]
    assert io["video"]["fps_policy"] == "native" and io["read"]["fps_policy"] == "native"
    assert out.frames.shape[0] == 12  # every frame of the 30 fps output, taken as 25 fps
    assert "retimed" in io["video"]


def test_sadtalker_style_preset_finds_the_timestamped_output(tmp_path):
    clip = gradient_clip(n=8)
    gen = ExternalGenerator(preset="sadtalker", cmd=SAD_CMD, cwd=str(tmp_path))
    assert gen.label == "sadtalker" and gen.options["label"] == "sadtalker"
    out = gen.generate(clip, clip.audio)
    # 8 frames of audio at 25 fps; the tool's 256×256 still was resized back to the source size
    assert out.frames.shape == clip.frames.shape
    assert out.meta["generator"]["output_size"] == [256, 256] and out.meta["generator"]["resized"]
    # every frame is the first source frame (a still image animated by nothing)
    assert np.abs(out.frames.astype(int) - clip.frames[0].astype(int)).mean() < 8


def test_preset_contents():
    sad = load_preset("sadtalker")
    assert "{image}" in sad["cmd"] and "{audio}" in sad["cmd"] and "{outdir}" in sad["cmd"]
    assert sad["output"] == "{outdir}/*.mp4"
    w2l = load_preset("wav2lip-official")
    assert "--face {video}" in w2l["cmd"] and "--outfile {out}" in w2l["cmd"]
    assert ExternalGenerator(preset="wav2lip-official").settings["vars"]["checkpoint"].endswith("wav2lip_gan.pth")
    with pytest.raises(OptionError, match="unknown preset 'nope'.*sadtalker"):
        ExternalGenerator(preset="nope")


def test_failure_keeps_stderr_tail():
    clip = gradient_clip(n=3)
    gen = ExternalGenerator(cmd=W2L_CMD + " --fail 7", label="broken")
    with pytest.raises(ClipFailure) as err:
        gen.generate(clip, clip.audio)
    msg = str(err.value)
    assert msg.startswith("external(broken): command exited with status 7")
    assert "RuntimeError: simulated failure 7" in msg and "loading checkpoint" in msg


def test_timeout_kills_the_tool():
    clip = gradient_clip(n=3)
    gen = ExternalGenerator(cmd=W2L_CMD + " --sleep 30", timeout=1.5)
    with pytest.raises(ClipFailure, match=r"timed out after 1.5 s"):
        gen.generate(clip, clip.audio)


def test_no_output_is_a_failure():
    clip = gradient_clip(n=3)
    with pytest.raises(ClipFailure, match="wrote no video matching"):
        ExternalGenerator(cmd=W2L_CMD + " --no-output").generate(clip, clip.audio)


def test_env_and_cwd(tmp_path, monkeypatch):
    monkeypatch.delenv("SADTALKER_DIR", raising=False)
    clip = gradient_clip(n=3)
    with pytest.raises(ClipFailure, match="status 3"):
        ExternalGenerator(cmd=W2L_CMD + " --env-check TB_TEST_FLAG").generate(clip, clip.audio)
    ok = ExternalGenerator(cmd=W2L_CMD + " --env-check TB_TEST_FLAG", env="TB_TEST_FLAG=1;OTHER=x", cwd=str(tmp_path))
    assert ok.generate(clip, clip.audio).frames.shape == clip.frames.shape
    with pytest.raises(ClipFailure, match="working directory"):
        ExternalGenerator(cmd=W2L_CMD, cwd=str(tmp_path / "missing")).generate(clip, clip.audio)
    # at load time the same mistake stops the run with one line instead of failing every clip
    with pytest.raises(OptionError, match=r"external\(sadtalker\): working directory '\$SADTALKER_DIR' does not exist"):
        ExternalGenerator(preset="sadtalker").load("cpu")


def test_missing_executable_is_a_clip_failure():
    clip = gradient_clip(n=3)
    with pytest.raises(ClipFailure, match="cannot start 'no-such-tool-xyz'"):
        ExternalGenerator(cmd="no-such-tool-xyz {video}").generate(clip, clip.audio)


def test_argv_has_no_shell_injection():
    values = {"video": "/tmp/a b; rm -rf ~.mp4", "out": "$(touch pwned)"}
    argv = build_argv("tool --face {video} --outfile {out} 'literal two'", values)
    assert argv == ["tool", "--face", "/tmp/a b; rm -rf ~.mp4", "--outfile", "$(touch pwned)", "literal two"]
    with pytest.raises(OptionError, match=r"unknown placeholder \{vidoe\}"):
        build_argv("tool {vidoe}", values)
    with pytest.raises(OptionError, match="pass --option cmd="):
        ExternalGenerator()
    with pytest.raises(OptionError, match="NAME=VALUE"):
        ExternalGenerator(cmd="x", env="JUSTANAME")


def test_python_placeholder_is_this_interpreter():
    assert build_argv("{python} -V", {"python": sys.executable}) == [sys.executable, "-V"]
