"""Audio at 16 kHz mono as the reference extracts it: ``ffmpeg -ac 1 -vn -acodec pcm_s16le -ar 16000``.

Measured against the ffmpeg 5.1 CLI (ffmpeg_audio.json, and live where ffmpeg is installed):
PCM16 wavs at 44.1 / 48 / 16 kHz stereo are equal sample for sample; the clips' AAC tracks
differ by at most 1 LSB in a few dozen samples (the AAC decoders' float rounding), MFCC within
1e-5 relative. The scipy polyphase resampler talkbench used before was 124-221 LSB off, its MFCC
~2-3% (the issue's number).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from talkbench import read_audio, resample_audio

HERE = Path(__file__).resolve().parent
REF = json.loads((HERE / "ffmpeg_audio.json").read_text())["wavs"]
PCM = ["audio/videoretalking_audio_1.wav", "audio/videoretalking_audio_2.wav", "audio/sadtalker_RD_Radio31_000.wav"]
AAC = ["video/videoretalking_face_1.mp4", "video/videoretalking_face_4.mp4", "video/sadtalker_WDA_KatieHill_000.mp4"]


def _int16(audio: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(audio * 32768.0), -32768, 32767).astype("<i2")


@pytest.mark.parametrize("name", PCM)
def test_pcm16_wavs_equal_the_ffmpeg_cli_sample_for_sample(realdata, name):
    audio, info = read_audio(realdata / name)
    assert info["resampler"] == "ffmpeg_s16" and "pcm_s16le" in info["resampler_reference"]
    q = _int16(audio)
    assert np.array_equal(q.astype(np.float32) / 32768.0, audio)  # already on the PCM16 grid
    assert len(q) == REF[name]["n"]
    assert hashlib.sha256(q.tobytes()).hexdigest() == REF[name]["sha256_int16"]


def test_float_resampler_skips_only_the_quantisation(realdata):
    name = "audio/videoretalking_audio_2.wav"
    s16, _ = read_audio(realdata / name)
    flt, info = read_audio(realdata / name, resampler="ffmpeg_float")
    assert info["resampler"] == "ffmpeg_float" and len(flt) == len(s16)
    assert 0 < np.abs(flt - s16).max() <= 2.5 / 32768  # same conversion, not rounded to 16 bits
    assert not np.array_equal(_int16(flt).astype(np.float32) / 32768.0, flt)


def test_unknown_resampler_and_array_resampling():
    with pytest.raises(ValueError, match="unknown resampler 'scipy'; use one of ffmpeg_s16, ffmpeg_float"):
        resample_audio(np.zeros(100, np.float32), 48000, 16000, resampler="scipy")
    tone = np.sin(2 * np.pi * 440 * np.arange(48000) / 48000).astype(np.float32) * 0.5
    out = resample_audio(tone, 48000, 16000, resampler="ffmpeg_float")
    assert len(out) == 16000
    want = np.sin(2 * np.pi * 440 * np.arange(16000) / 16000) * 0.5
    # libswresample's filter delay is compensated: the tone stays in phase (edges aside)
    assert np.abs(out[200:-200] - want[200:-200]).max() < 2e-3


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg CLI not installed (apt install ffmpeg)")
@pytest.mark.parametrize("name", AAC)
def test_aac_tracks_within_one_lsb_of_the_ffmpeg_cli(realdata, tmp_path, name):
    import python_speech_features
    from scipy.io import wavfile

    out = tmp_path / "a.wav"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(realdata / name), "-ac", "1", "-vn", "-acodec",
                    "pcm_s16le", "-ar", "16000", str(out)], check=True)
    ref = wavfile.read(out)[1]
    ours = _int16(read_audio(realdata / name)[0])
    assert len(ours) == len(ref) == REF[name]["n"]
    diff = np.abs(ours.astype(int) - ref)
    assert diff.max() <= 1 and (diff > 0).mean() < 1e-3
    m_ref = python_speech_features.mfcc(ref, 16000)
    m_ours = python_speech_features.mfcc(ours, 16000)
    assert np.abs(m_ours - m_ref).mean() / np.abs(m_ref).mean() < 1e-5
