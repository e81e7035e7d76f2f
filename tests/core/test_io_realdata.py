"""Reading the real clips: frame counts at 25 fps, 16 kHz mono audio, and bad files."""

from __future__ import annotations

from fractions import Fraction

import av
import numpy as np
import pytest

from talkbench import load_clip, probe, read_audio, read_frames, write_video
from talkbench.errors import MediaError

# name: (native fps, native frames, audio rate); frames at 25 fps: FRAMES_25 (ffmpeg 5.1's
# `-r 25` chain of syncnet_python, the default policy; measured with the CLI, tests/io_rates/)
FRAMES_25 = {"videoretalking_face_1.mp4": 153, "videoretalking_face_4.mp4": 167}
CLIPS = {
    "sadtalker_WDA_AlexandriaOcasioCortez_000.mp4": (25.0, 200, 16000),
    "sadtalker_WDA_KatieHill_000.mp4": (25.0, 200, 16000),
    "videoretalking_face_1.mp4": (22.131, 135, 44100),
    "videoretalking_face_2.mp4": (25.0, 125, 44100),
    "videoretalking_face_3.mp4": (25.0, 125, 44100),
    "videoretalking_face_4.mp4": (30.0, 199, 44100),
    "videoretalking_face_5.mp4": (25.0, 122, 44100),
}


@pytest.mark.parametrize("name", sorted(CLIPS))
def test_realdata_clip_at_25fps_16khz(realdata, name):
    fps, n_src, rate = CLIPS[name]
    clip = load_clip(realdata / "video" / name)
    frames = clip.frames
    duration = n_src / clip.meta["io"]["video"]["source_fps"]
    assert clip.meta["io"]["video"]["source_fps"] == pytest.approx(fps, abs=1e-3)
    assert clip.meta["io"]["video"]["source_frames"] == n_src
    assert frames.shape[0] == FRAMES_25.get(name, n_src)
    assert abs(frames.shape[0] - duration * 25) <= 1.5
    assert frames.dtype == np.uint8 and frames.ndim == 4 and frames.shape[-1] == 3
    assert clip.meta["io"]["video"]["resampled"] is (abs(fps - 25) > 1e-3)
    audio = clip.audio
    assert audio.dtype == np.float32 and audio.ndim == 1 and clip.sample_rate == 16000
    assert abs(len(audio) - duration * 16000) <= 640  # within one video frame
    io_a = clip.meta["io"]["audio"]
    assert io_a["source_sample_rate"] == rate and io_a["source_channels"] == 2 and io_a["downmixed"] is True
    assert io_a["resampled"] is (rate != 16000)
    assert 0.005 < float(np.sqrt(np.mean(audio ** 2))) < 0.7  # real speech, not silence or clipping


def test_frame_rate_conversion_is_nearest_slot(realdata):
    """22.13 fps → 25 fps repeats some source frames and drops none (as ffmpeg's fps filter)."""
    frames, info = read_frames(realdata / "video" / "videoretalking_face_1.mp4", fps_policy="fps_filter")
    native, _ = read_frames(realdata / "video" / "videoretalking_face_1.mp4", fps=None)
    assert native.shape[0] == 135 and frames.shape[0] == 152
    assert np.array_equal(frames[0], native[0])
    matches = [next(i for i in range(len(native)) if np.array_equal(f, native[i])) for f in frames[::10]]
    assert matches == sorted(matches) and len(set(matches)) == len(matches)
    # output frame k shows the source frame on screen at k/25 s (nearest 25 fps slot)
    assert all(abs(i / info["source_fps"] - k * 10 / 25) <= 1 / info["source_fps"] for k, i in enumerate(matches))


@pytest.mark.parametrize("name, rate", [("videoretalking_audio_1.wav", 44100), ("videoretalking_audio_2.wav", 48000),
                                        ("sadtalker_RD_Radio31_000.wav", 16000)])
def test_driving_audio_resampled_to_16k_mono(realdata, name, rate):
    info = probe(realdata / "audio" / name)
    audio, meta = read_audio(realdata / "audio" / name)
    assert meta["source_sample_rate"] == rate and meta["source_channels"] == 2
    assert audio.ndim == 1 and audio.dtype == np.float32
    assert abs(len(audio) - info["duration"] * 16000) <= 2


def test_audio_from_a_separate_file(realdata, tmp_path):
    clip = load_clip(realdata / "video" / "videoretalking_face_3.mp4",
                     audio_path=realdata / "audio" / "videoretalking_audio_2.wav")
    assert clip.meta == {"io": {"read": {"fps_policy": "ffmpeg_r25_avi", "resampler": "ffmpeg_s16"}}}
    assert abs(len(clip.audio) - 5.0133 * 16000) <= 2
    assert clip.meta["io"]["audio"]["source_sample_rate"] == 48000


def test_truncated_and_garbage_videos_are_media_errors(realdata, tmp_path):
    data = (realdata / "video" / "videoretalking_face_3.mp4").read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(MediaError, match=rf"^{cut}: cannot open .*unreadable or truncated"):
        load_clip(cut)
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"\x00garbage" * 100)
    with pytest.raises(MediaError, match=rf"^{junk}: cannot decode video .*unreadable or truncated"):
        read_frames(junk)
    with pytest.raises(MediaError, match=rf"^{tmp_path / 'none.mp4'}: no such file"):
        load_clip(tmp_path / "none.mp4")


def test_faststart_file_cut_short_is_detected(tmp_path):
    """An mp4 with its index first decodes without error when cut: the frame count gives it away."""
    path = tmp_path / "fs.mp4"
    frames = np.random.default_rng(0).integers(0, 255, (50, 64, 64, 3), dtype=np.uint8)
    with av.open(str(path), "w", format="mp4", options={"movflags": "faststart"}) as out:
        vs = out.add_stream("libx264", rate=25)
        vs.width = vs.height = 64
        vs.pix_fmt = "yuv420p"
        for i, f in enumerate(frames):
            fr = av.VideoFrame.from_ndarray(f, format="rgb24")
            fr.pts, fr.time_base = i, Fraction(1, 25)
            for p in vs.encode(fr):
                out.mux(p)
        for p in vs.encode():
            out.mux(p)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(MediaError, match=r"fs.mp4: decoded only \d+ of the 50 frames its header declares"):
        read_frames(path)


def test_video_without_audio_is_a_clear_error(tmp_path):
    silent = write_video(tmp_path / "silent.mp4", np.full((5, 64, 64, 3), 100, np.uint8))
    with pytest.raises(MediaError) as e:
        load_clip(silent)
    assert str(e.value) == f"{silent}: video has no audio track; put a silent.wav next to it or pass an audio file"
    clip = load_clip(silent, require_audio=False)
    assert not clip.has_audio and clip.frames.shape == (5, 64, 64, 3)


def test_write_video_roundtrip_with_audio(tmp_path):
    yy, xx = np.mgrid[0:64, 0:64]
    frames = np.stack([np.stack([xx * 2 + t, yy * 2, np.full_like(xx, 90)], -1) for t in range(20)]).astype(np.uint8)
    audio = (0.3 * np.sin(2 * np.pi * 220 * np.arange(12800) / 16000)).astype(np.float32)
    p = write_video(tmp_path / "rt.mp4", frames, fps=25, audio=audio)
    clip = load_clip(p)
    assert clip.frames.shape == frames.shape
    assert np.abs(clip.frames.astype(float) - frames).mean() < 2.0
    assert abs(len(clip.audio) - len(audio)) <= 1024 + 640  # AAC priming/padding
    assert not list(tmp_path.glob(".*"))  # no temp file left
