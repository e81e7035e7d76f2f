"""Audio decoding to float32 mono at a fixed sample rate, resampled as ffmpeg resamples.

The reference pipelines extract audio with ``ffmpeg -i IN -ac 1 -vn -acodec pcm_s16le -ar 16000
OUT.wav`` (syncnet_python, Wav2Lip): libswresample with its defaults, downmix, rate change and
conversion to 16-bit PCM in one step. Resamplers (``resampler=``):

* ``ffmpeg_s16`` (default): exactly that: the decoded samples go through PyAV's
  ``AudioResampler`` (libswresample) to s16 mono at the target rate, then /32768, as the
  reference reads its wav back. Equal to the ffmpeg CLI's wav sample for sample
  (tests/io_rates/test_audio_resampler.py).
* ``ffmpeg_float``: the same downmix (channel mean) and libswresample rate change in float,
  without the PCM16 quantisation (for pipelines that never write a wav).

A file already mono at the target rate is read as is by both (a 16 kHz mono PCM16 wav gives the
same numbers as the reference's; a float file keeps its precision).
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from talkbench.errors import MediaError
from talkbench.io.video import check_not_empty

if TYPE_CHECKING:
    import av

# PyAV loads in the functions that decode or encode (~0.1 s): `import talkbench`, as every
# command's start-up does, does not pay for it.


def to_mono(samples: np.ndarray) -> np.ndarray:
    """(C, N) or (N,) → (N,) float32, averaging channels."""
    samples = np.asarray(samples, dtype=np.float32)
    return samples.mean(axis=0) if samples.ndim == 2 else samples


RESAMPLERS = ("ffmpeg_s16", "ffmpeg_float")
DEFAULT_RESAMPLER = "ffmpeg_s16"
RESAMPLER_REFERENCE = {
    "ffmpeg_s16": "libswresample defaults to s16 mono (ffmpeg -ac 1 -acodec pcm_s16le -ar RATE), read back /32768",
    "ffmpeg_float": "channel mean, then libswresample defaults to float (no PCM16 quantisation)",
}


def check_resampler(name: str) -> str:
    if name not in RESAMPLERS:
        raise ValueError(f"unknown resampler {name!r}; use one of {', '.join(RESAMPLERS)}")
    return name


def _internal_format(in_fmt: str, out_fmt: str) -> str:
    """The sample format libswresample computes in, by ffmpeg 5.1's rule (newer versions pick
    float for 16-bit input too, which moves ~10% of the samples by 1-2 LSB): 16-bit in and out →
    s16p, else float (double for double input)."""
    size = {"u8": 1, "s16": 2, "s32": 4, "flt": 4, "s64": 8, "dbl": 8}
    b_in, b_out = size.get(in_fmt.rstrip("p"), 4), size.get(out_fmt.rstrip("p"), 4)
    if b_in <= 2 and b_out <= 2:
        return "s16p"
    return "fltp" if b_in <= 4 else "dblp"


def _swr(frames: list, dst_rate: int, resampler: str) -> np.ndarray:
    """libswresample as ffmpeg's CLI runs it (one aresample filter: downmix, rate, format)."""
    import av

    first = frames[0]
    out_fmt = "s16" if resampler == "ffmpeg_s16" else "flt"
    graph = av.filter.Graph()
    src = graph.add_abuffer(format=first.format.name, sample_rate=first.sample_rate, layout=first.layout.name,
                            time_base=Fraction(1, first.sample_rate))
    conv = graph.add("aresample", f"{dst_rate}:internal_sample_fmt={_internal_format(first.format.name, out_fmt)}")
    fmt = graph.add("aformat", f"sample_fmts={out_fmt}:channel_layouts=mono:sample_rates={dst_rate}")
    sink = graph.add("abuffersink")
    src.link_to(conv)
    conv.link_to(fmt)
    fmt.link_to(sink)
    graph.configure()
    pieces: list[np.ndarray] = []

    def drain() -> None:
        while True:
            try:
                pieces.append(sink.pull().to_ndarray().reshape(-1))
            except (av.error.BlockingIOError, av.error.EOFError):
                return

    pts = 0
    for frame in frames:
        frame.pts, frame.time_base = pts, Fraction(1, first.sample_rate)  # contiguous: no gaps or pads
        pts += frame.samples
        src.push(frame)
        drain()
    src.push(None)
    drain()
    if not pieces:
        return np.zeros(0, np.float32)
    data = np.concatenate(pieces)
    return (data.astype(np.float32) / 32768.0) if out_fmt == "s16" else data.astype(np.float32)


def _mono_frame(samples: np.ndarray, rate: int) -> av.AudioFrame:
    import av

    frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(samples, dtype=np.float32).reshape(1, -1),
                                       format="flt", layout="mono")
    frame.sample_rate = int(rate)
    return frame


def resample_audio(samples: np.ndarray, src_rate: int, dst_rate: int,
                   resampler: str = DEFAULT_RESAMPLER) -> np.ndarray:
    """Mono float32 ``samples`` from ``src_rate`` to ``dst_rate`` with libswresample (see module)."""
    check_resampler(resampler)
    samples = np.asarray(samples, dtype=np.float32)
    if src_rate == dst_rate and resampler == "ffmpeg_float":
        return samples
    return _swr([_mono_frame(samples, src_rate)], int(dst_rate), resampler)


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
    frames, rate, _, fmt = _frames_of(path)
    chunks = []
    for frame in frames:
        arr = frame.to_ndarray()
        if frame.format.is_planar:
            chunks.append(arr.astype(np.float32))
        else:  # interleaved: (1, N*C) → (C, N)
            chunks.append(arr.reshape(-1, len(frame.layout.channels)).T.astype(np.float32))
    data = np.concatenate(chunks, axis=1)
    if fmt.startswith("s16"):
        data = data / 32768.0
    elif fmt.startswith("s32"):
        data = data / 2147483648.0
    return data.astype(np.float32), int(rate)


def _frames_of(path: Path) -> tuple[list, int, int, str]:
    """The decoded audio frames of the first audio stream, its rate, channels and sample format."""
    import av

    try:
        with av.open(str(path)) as container:
            if not container.streams.audio:
                raise MediaError(
                    f"{path}: has no audio stream; give the audio separately (a sibling .wav or --audio)"
                )
            stream = container.streams.audio[0]
            frames = list(container.decode(stream))
    except av.error.FFmpegError as exc:
        raise MediaError(f"{path}: cannot decode audio ({exc}); re-encode it, e.g. ffmpeg -i IN OUT.wav") from None
    if not frames:
        raise MediaError(f"{path}: audio stream is empty")
    first = frames[0]
    return frames, int(first.sample_rate), len(first.layout.channels), first.format.name


def read_audio(path: str | Path, sample_rate: int = 16000,
               resampler: str = DEFAULT_RESAMPLER) -> tuple[np.ndarray, dict]:
    """Mono float32 audio at ``sample_rate`` plus what was done to it (for the run record)."""
    path = Path(path)
    check_resampler(resampler)
    check_not_empty(path, "audio")
    frames, native, channels, fmt = _frames_of(path)
    info = {"source_sample_rate": native, "source_channels": channels, "sample_rate": sample_rate,
            "resampled": native != sample_rate, "downmixed": channels > 1}
    if native == sample_rate and channels == 1:
        # nothing to convert: the samples as they are (a float file, e.g. the runs' lossless
        # copies, keeps its precision; the SyncNet MFCC rounds to int16 itself, as the reference)
        out = to_mono(decode_audio(path)[0])
        return out, info | {"resampler": "none", "resampler_reference": "already mono at the target rate"}
    if resampler == "ffmpeg_float" and channels > 1:
        # libswresample does not scale a float downmix (mono = 0.707·(L+R)); the s16 path, the
        # reference's, does (mono = (L+R)/2): downmix as the reference, then resample in float
        frames = [_mono_frame(to_mono(decode_audio(path)[0]), native)]
    out = _swr(frames, sample_rate, resampler)
    return out, info | {"resampler": resampler, "resampler_reference": RESAMPLER_REFERENCE[resampler]}
