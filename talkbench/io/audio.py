"""Audio decoding to float32 mono at a fixed sample rate."""

from __future__ import annotations

from math import gcd
from pathlib import Path

import av
import numpy as np

from talkbench.errors import MediaError
from talkbench.io.video import check_not_empty


def to_mono(samples: np.ndarray) -> np.ndarray:
    """(C, N) or (N,) → (N,) float32, averaging channels."""
    samples = np.asarray(samples, dtype=np.float32)
    return samples.mean(axis=0) if samples.ndim == 2 else samples


def resample_audio(samples: np.ndarray, src_rate: int, dst_rate: int) -> np.ndarray:
    """Polyphase resampling (scipy): deterministic and the same on every machine."""
    if src_rate == dst_rate:
        return samples.astype(np.float32, copy=False)
    from scipy.signal import resample_poly  # late: scipy.signal costs seconds at `import talkbench`

    g = gcd(int(src_rate), int(dst_rate))
    return resample_poly(samples, dst_rate // g, src_rate // g).astype(np.float32)


def _decode_wav_fast(path: Path) -> tuple[np.ndarray, int] | None:
    """PCM WAV via scipy (exact int16 → float, no codec round trip); None if not plain PCM."""
    from scipy.io import wavfile

    try:
        rate, data = wavfile.read(str(path))
    except (ValueError, OSError):
        return None
    if data.dtype == np.int16:
        x = data.astype(np.float32) / 32768.0
    elif data.dtype == np.int32:
        x = data.astype(np.float32) / 2147483648.0
    elif data.dtype == np.uint8:
        x = (data.astype(np.float32) - 128.0) / 128.0
    else:
        x = data.astype(np.float32)
    return (x.T if x.ndim == 2 else x), int(rate)


def decode_audio(path: str | Path) -> tuple[np.ndarray, int]:
    """All audio of the first audio stream as (channels, N) float32 and its native rate."""
    path = Path(path)
    check_not_empty(path, "audio")
    if path.suffix.lower() == ".wav":
        fast = _decode_wav_fast(path)
        if fast is not None:
            return fast
    try:
        with av.open(str(path)) as container:
            if not container.streams.audio:
                raise MediaError(
                    f"{path}: has no audio stream; give the audio separately (a sibling .wav or --audio)"
                )
            stream = container.streams.audio[0]
            chunks = []
            rate = stream.codec_context.sample_rate or stream.rate
            for frame in container.decode(stream):
                arr = frame.to_ndarray()
                if frame.format.is_planar:
                    chunks.append(arr.astype(np.float32))
                else:  # interleaved: (1, N*C) → (C, N)
                    chunks.append(arr.reshape(-1, len(frame.layout.channels)).T.astype(np.float32))
                rate = frame.sample_rate
    except av.error.FFmpegError as exc:
        raise MediaError(f"{path}: cannot decode audio ({exc}); re-encode it, e.g. ffmpeg -i IN OUT.wav") from None
    if not chunks:
        raise MediaError(f"{path}: audio stream is empty")
    data = np.concatenate(chunks, axis=1)
    fmt = stream.codec_context.format.name if stream.codec_context.format else ""
    if fmt.startswith("s16"):
        data = data / 32768.0
    elif fmt.startswith("s32"):
        data = data / 2147483648.0
    return data.astype(np.float32), int(rate)


def read_audio(path: str | Path, sample_rate: int = 16000) -> tuple[np.ndarray, dict]:
    """Mono float32 audio at ``sample_rate`` plus what was done to it (for the run record)."""
    data, native = decode_audio(path)
    channels = data.shape[0] if data.ndim == 2 else 1
    mono = to_mono(data)
    out = resample_audio(mono, native, sample_rate)
    info = {"source_sample_rate": native, "source_channels": channels, "sample_rate": sample_rate,
            "resampled": native != sample_rate, "downmixed": channels > 1}
    return out, info
