"""The reference's frame dump, in memory: FFmpeg mjpeg encode, libjpeg-turbo decode.

syncnet_python and Wav2Lip's scores_LSE run ``ffmpeg -i VIDEO -threads 1 -f image2 %06d.jpg``
and read the jpgs back with ``cv2.imread``. That lossy round trip moves LSE-D by ~0.05, so the
``lrs`` protocol repeats it by default, without touching the disk:

- the decoder's yuv420p (limited range) frames are range-converted to yuvj420p exactly as the
  CLI's auto-inserted scaler does (measured bit-exact: Y' = round((Y−16)·255/219),
  C' = round((C−128)·255/224) + 128);
- one mjpeg encoder with the CLI's defaults (200 kb/s rate control, qmin 2, qmax 31, time base
  1/fps, one thread so no slices; frames in order, because the rate control carries state);
- ``cv2.imdecode`` (libjpeg-turbo, as ``cv2.imread``) gives the BGR frames.

For frames that did not come straight from a file (a generator's output in memory) there are
no decoder YUV planes, so the RGB frames are converted to full-range BT.601 YUV 4:2:0 first:
the same encoder/decoder, but not bit-identical to what ffmpeg would do with an mp4 of them.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np

from talkbench import MediaError

_LUT_Y = np.clip(np.rint((np.arange(256) - 16) * 255 / 219), 0, 255).astype(np.uint8)
_LUT_C = np.clip(np.rint((np.arange(256) - 128) * 255 / 224) + 128, 0, 255).astype(np.uint8)


def _planes(frame: av.VideoFrame) -> list[np.ndarray]:
    out = []
    for p in frame.planes:
        buf = np.frombuffer(memoryview(p), np.uint8).reshape(p.height, p.line_size)
        out.append(buf[:, : p.width])
    return out


def _frame_from_planes(planes: list[np.ndarray]) -> av.VideoFrame:
    h, w = planes[0].shape
    frame = av.VideoFrame(w, h, "yuvj420p")
    for plane, arr in zip(frame.planes, planes):
        buf = np.zeros((plane.height, plane.line_size), np.uint8)
        buf[:, : arr.shape[1]] = arr
        plane.update(buf)
    return frame


class MjpegRoundTrip:
    """Feed yuvj420p planes frame by frame; get back what cv2.imread reads from each jpg.

    ``post``: applied to each decoded frame as it comes (e.g. the reference's per-frame resize
    to 224²), so a clip's full-size jpg frames are never all held at once."""

    def __init__(self, width: int, height: int, fps: float = 25.0, sar: Fraction | None = Fraction(1, 1),
                 post=None):
        enc = av.CodecContext.create("mjpeg", "w")
        enc.width, enc.height = width, height
        enc.pix_fmt = "yuvj420p"
        enc.time_base = Fraction(fps).limit_denominator(1001) ** -1
        enc.bit_rate = 200_000  # libavcodec's default; the CLI leaves it
        enc.thread_count = 1    # `-threads 1`: no slice threads, so no restart markers
        if sar is not None:
            enc.sample_aspect_ratio = sar
        self.enc, self.pts, self.post = enc, 0, post
        self.jpgs: list[bytes] = []

    def _decode(self, packets) -> list[np.ndarray]:
        out = []
        for packet in packets:
            data = bytes(packet)
            self.jpgs.append(data)
            img = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
            if img is None:
                raise MediaError("mjpeg round trip: libjpeg-turbo could not decode an encoded frame")
            out.append(img if self.post is None else self.post(img))
        return out

    def push(self, planes: list[np.ndarray]) -> list[np.ndarray]:
        frame = _frame_from_planes(planes)
        frame.pts = self.pts
        self.pts += 1
        return self._decode(self.enc.encode(frame))

    def flush(self) -> list[np.ndarray]:
        return self._decode(self.enc.encode(None))


def limited_to_full(planes: list[np.ndarray]) -> list[np.ndarray]:
    """yuv420p (16–235/240) → yuvj420p (0–255), as the ffmpeg CLI's scaler converts it
    (cv2.LUT: the same table lookup as numpy indexing, ~2× faster on 512² planes)."""
    return [cv2.LUT(planes[0], _LUT_Y), cv2.LUT(planes[1], _LUT_C), cv2.LUT(planes[2], _LUT_C)]


def rgb_to_yuvj420(rgb: np.ndarray) -> list[np.ndarray]:
    """Full-range BT.601 Y, Cb, Cr (2×2-averaged chroma) of an H×W×3 uint8 RGB frame."""
    x = rgb.astype(np.float32)
    h, w = rgb.shape[:2]
    h2, w2 = h + h % 2, w + w % 2
    if (h2, w2) != (h, w):
        x = np.pad(x, ((0, h2 - h), (0, w2 - w), (0, 0)), mode="edge")
    r, g, b = x[..., 0], x[..., 1], x[..., 2]
    y = 0.299 * r + 0.587 * g + 0.114 * b
    cb = 128 - 0.168736 * r - 0.331264 * g + 0.5 * b
    cr = 128 + 0.5 * r - 0.418688 * g - 0.081312 * b
    sub = lambda c: c.reshape(h2 // 2, 2, w2 // 2, 2).mean(axis=(1, 3))  # noqa: E731
    to8 = lambda c: np.clip(np.rint(c), 0, 255).astype(np.uint8)  # noqa: E731
    return [to8(y), to8(sub(cb)), to8(sub(cr))]


def roundtrip_file(path: str | Path, expect_rgb: np.ndarray | None = None,
                   post=None) -> tuple[np.ndarray, list[bytes]] | None:
    """BGR frames of ``path`` after the reference's jpg dump, or None if ``expect_rgb`` differs.

    ``expect_rgb`` (the clip's frames) guards against scoring a file whose frames the clip no
    longer holds (a generator that kept the source path, a frame-rate conversion): the file's
    frames, decoded to RGB as talkbench.read_frames does, must equal them exactly.
    """
    try:
        container = av.open(str(path))
    except av.error.FFmpegError as exc:
        raise MediaError(f"{path}: cannot open for the jpg round trip ({exc})") from None
    with container:
        if not container.streams.video:
            return None
        stream = container.streams.video[0]
        fps = float(stream.average_rate or 25)
        rt = None
        frames: list[np.ndarray] = []
        for i, frame in enumerate(container.decode(stream)):
            if frame.format.name not in ("yuv420p", "yuvj420p"):
                return None  # only the common 4:2:0 case is reproduced bit for bit
            if expect_rgb is not None:
                if i >= len(expect_rgb) or not np.array_equal(frame.to_ndarray(format="rgb24"), expect_rgb[i]):
                    return None
            planes = _planes(frame)
            if frame.format.name == "yuv420p":
                planes = limited_to_full(planes)
            if rt is None:
                sar = stream.codec_context.sample_aspect_ratio
                rt = MjpegRoundTrip(frame.width, frame.height, fps, sar=Fraction(sar) if sar else None, post=post)
            frames.extend(rt.push(planes))
        if rt is None or (expect_rgb is not None and i + 1 != len(expect_rgb)):
            return None
        frames.extend(rt.flush())
    return np.stack(frames), rt.jpgs


def roundtrip_planes(yuv, post=None) -> tuple[np.ndarray, list[bytes]]:
    """:func:`roundtrip_file` from a decode's kept planes (talkbench.Yuv420: the same frames,
    so the same jpgs) without decoding the file again."""
    if yuv.format not in ("yuv420p", "yuvj420p") or not len(yuv):
        raise ValueError(f"mjpeg round trip: planes of format {yuv.format!r} with {len(yuv)} frames")
    h, w = yuv.y.shape[1:3]
    rt = MjpegRoundTrip(w, h, yuv.rate, sar=yuv.sar, post=post)
    frames: list[np.ndarray] = []
    for i in range(len(yuv)):
        planes = yuv.planes(i)
        frames.extend(rt.push(limited_to_full(planes) if yuv.format == "yuv420p" else planes))
    frames.extend(rt.flush())
    return np.stack(frames), rt.jpgs


def roundtrip_rgb(frames_rgb: np.ndarray, fps: float = 25.0, post=None) -> np.ndarray:
    """BGR frames after an mjpeg round trip of in-memory RGB frames (no decoder planes);
    ``post`` as for :class:`MjpegRoundTrip`, applied after the odd-size padding is cut off."""
    t, h, w = frames_rgb.shape[:3]
    crop = (lambda img: img[:h, :w]) if post is None else (lambda img: post(img[:h, :w]))
    rt = MjpegRoundTrip(w + w % 2, h + h % 2, fps, post=crop)
    out: list[np.ndarray] = []
    for img in frames_rgb:
        out.extend(rt.push(rgb_to_yuvj420(img)))
    out.extend(rt.flush())
    return np.stack(out)
