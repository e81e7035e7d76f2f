"""run_pipeline's pre-conversion, with the FFmpeg CLI as the reference calls it.

``ffmpeg -i IN -qscale:v 2 -async 1 -r 25 video.avi`` (MPEG-4 part 2 at q 2 + the avi muxer's
default audio codec), then the frames as ``-qscale:v 2 -threads 1 -f image2 %06d.jpg`` read with
``cv2.imread`` (BGR) and the audio as ``-ac 1 -vn -acodec pcm_s16le -ar 16000 audio.wav`` of that
avi. The CLI is used (not PyAV) because its ``-r 25`` frame choice, its scaler's range conversion
and its resampler are what the numbers depend on. The detector, the crops and the shot detector
all see these frames.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from scipy.io import wavfile

from talkbench import ClipFailure, MediaError


def ffmpeg_exe() -> str:
    exe = shutil.which("ffmpeg")
    if exe is None:
        raise MediaError("the wild SyncNet protocol calls the ffmpeg CLI as syncnet_python does, and ffmpeg "
                         "is not on PATH; install it (apt-get install ffmpeg) or use protocol=lrs")
    return exe


def ffmpeg(*args: str) -> None:
    cmd = [ffmpeg_exe(), "-nostdin", "-loglevel", "error", "-y", *args]
    res = subprocess.run(cmd, capture_output=True, text=True)
    if res.returncode != 0:
        raise ClipFailure(f"ffmpeg failed ({' '.join(args)}): {res.stderr.strip()[-300:]}")


def ffmpeg_version() -> str:
    res = subprocess.run([ffmpeg_exe(), "-version"], capture_output=True, text=True)
    return res.stdout.splitlines()[0] if res.stdout else "unknown"


@dataclass
class Converted:
    """The clip as run_pipeline's later stages see it."""

    video: Path           # the file shot detection reads (video.avi, or the input without convert)
    frames: np.ndarray    # T×H×W×3 uint8 BGR
    audio: np.ndarray     # int16 mono 16 kHz
    audio_wav: Path       # the wav the track audio is cut from


def read_jpgs(folder: Path) -> np.ndarray:
    files = sorted(folder.glob("*.jpg"))
    if not files:
        raise ClipFailure(f"{folder}: ffmpeg wrote no frames")
    return np.stack([cv2.imread(str(f)) for f in files])


def extract_audio(video: Path, wav: Path, async_flag: bool = False) -> np.ndarray:
    extra = ["-async", "1"] if async_flag else []
    ffmpeg("-i", str(video), *extra, "-ac", "1", "-vn", "-acodec", "pcm_s16le", "-ar", "16000", str(wav))
    rate, audio = wavfile.read(wav)
    if rate != 16000 or audio.dtype != np.int16:
        raise ClipFailure(f"{wav}: expected 16 kHz int16 audio, got {rate} Hz {audio.dtype}")
    return audio


def convert(path: Path, work: Path, *, enabled: bool = True, frame_rate: int = 25) -> Converted:
    """Run the reference's three ffmpeg commands in ``work`` (an empty folder)."""
    frames_dir = work / "pyframes"
    frames_dir.mkdir(parents=True, exist_ok=True)
    if not enabled:  # the input's own frames and audio (no re-encode, no -r)
        ffmpeg("-i", str(path), "-threads", "1", "-f", "image2", "-qscale:v", "2", str(frames_dir / "%06d.jpg"))
        wav = work / "audio.wav"
        return Converted(path, read_jpgs(frames_dir), extract_audio(path, wav), wav)
    avi = work / "video.avi"
    ffmpeg("-i", str(path), "-qscale:v", "2", "-async", "1", "-r", str(frame_rate), str(avi))
    ffmpeg("-i", str(avi), "-qscale:v", "2", "-threads", "1", "-f", "image2", str(frames_dir / "%06d.jpg"))
    wav = work / "audio.wav"
    return Converted(avi, read_jpgs(frames_dir), extract_audio(avi, wav), wav)
