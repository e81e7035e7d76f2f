"""Which source frame fills each 25 fps output frame, exactly as the reference tools choose.

ffmpeg has two different 25 fps conversions and they pick different frames (measured against
the ffmpeg CLI on frame-numbered clips, tests/io_rates/):

* ``fps_filter``: the libavfilter ``fps`` filter (``ffmpeg -vf fps=25``; round to the nearest
  output slot, ``eof_action=round``). Run here through PyAV's filter graph on timestamps only,
  so the choice is libavfilter's own.
* ``ffmpeg_r25_avi``: syncnet_python's ``run_pipeline.py`` chain: ``ffmpeg -i IN -qscale:v 2
  -async 1 -r 25 video.avi`` (``-r`` as an output option is not the fps filter: ffmpeg's
  frame-rate sync decides, in "vfr" mode for AVI: frames are only dropped, kept ones take the
  next free slot), then ``ffmpeg -i video.avi frames/%06d.jpg`` (in "cfr" mode: the gaps left
  in the AVI are filled by repeating frames). At 50 fps this gives 0,1,2,4,6,... where the fps
  filter gives 0,2,4,...
* ``ffmpeg_r25``: ``ffmpeg -i IN -r 25 OUT.mp4`` (cfr mode, or "vscfr" for a one-stream input),
  what most "convert to 25 fps" instructions do for an mp4 output.
* ``native``: every decoded frame, taken as 25 fps (Wav2Lip's ``calculate_scores_LRS`` reads
  the frames with OpenCV and never converts).

The ``-r`` rules are the ffmpeg 5.1 CLI's (fftools ``do_video_out``), re-implemented because they
live in the command-line tool, not in the libraries PyAV wraps.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

#: fps policy names accepted by read_frames / load_clip / the datasets' ``fps_policy`` option
FPS_POLICIES = ("ffmpeg_r25_avi", "ffmpeg_r25", "fps_filter", "native")
DEFAULT_FPS_POLICY = "ffmpeg_r25_avi"
#: which reference pipeline each policy reproduces (recorded with the clip's io facts)
POLICY_REFERENCE = {
    "ffmpeg_r25_avi": "syncnet_python run_pipeline.py: ffmpeg -qscale:v 2 -async 1 -r 25 video.avi, "
                      "then the avi dumped to frames (ffmpeg 5.1 CLI frame choice)",
    "ffmpeg_r25": "ffmpeg -i IN -r 25 OUT.mp4 (ffmpeg 5.1 CLI frame choice, cfr/vscfr)",
    "fps_filter": "ffmpeg -vf fps=25 (libavfilter fps filter, round=near)",
    "native": "Wav2Lip calculate_scores_LRS: native frames read as they are, taken as 25 fps",
}
AV_TIME_BASE = 1_000_000


@dataclass
class FrameTimes:
    """What ffmpeg knows of a decoded video stream's frames (ints in ``time_base``)."""

    pts: np.ndarray            # each frame's (best-effort) pts
    durations: np.ndarray      # each frame's packet duration (0 = unknown)
    time_base: Fraction
    file_start: int | None     # the container's start_time (AV_TIME_BASE units): min over streams
    guessed_rate: Fraction | None  # av_guess_frame_rate
    n_streams: int = 1         # streams in the input file (ffmpeg picks vscfr for a lone stream)
    has_audio: bool = False    # the AVI of the avi chain then holds audio too (its dump: cfr)


def check_policy(policy: str) -> str:
    if policy not in FPS_POLICIES:
        raise ValueError(f"unknown fps_policy {policy!r}; use one of {', '.join(FPS_POLICIES)}")
    return policy


def _rescale(a: int, src: Fraction, dst: Fraction) -> int:
    """av_rescale_q: a·src/dst rounded to nearest, halves away from zero."""
    num = a * src.numerator * dst.denominator
    den = src.denominator * dst.numerator
    q, r = divmod(abs(num), den)
    q += 2 * r >= den
    return q if num >= 0 else -q


def _lrint(x: float) -> int:
    """C lrint/llrint in the default rounding mode: halves to even (Python's round)."""
    return int(round(x))


def _lrintf(x: float) -> int:
    return int(round(float(np.float32(x))))


def _input_pts(t: FrameTimes) -> np.ndarray:
    """Frame pts as ffmpeg's filters see them: the file's start_time subtracted (no -copyts)."""
    offset = _rescale(t.file_start, Fraction(1, AV_TIME_BASE), t.time_base) if t.file_start else 0
    return np.asarray(t.pts, dtype=np.int64) - offset


def vsync(pts: np.ndarray, filter_tb: Fraction, durations: np.ndarray, frame_rate: Fraction | None,
          method: str, out_rate: Fraction = Fraction(25), start_time_known: bool = True) -> list[tuple[int, int]]:
    """fftools (5.1) ``do_video_out``: (source index, output pts) of every frame the encoder gets.

    ``method``: vfr | cfr | vscfr. ``pts`` in ``filter_tb`` (start time removed); ``durations``
    the frames' packet durations in the same time base (0: unknown).
    """
    enc_tb = 1 / out_rate
    extra_bits = min(max(29 - (enc_tb.denominator.bit_length() - 1), 0), 16)
    fine_tb = Fraction(enc_tb.numerator, enc_tb.denominator << extra_bits)
    # the nominal frame duration in output slots, capped at one slot when the input has a start
    base_duration = 1 / (float(frame_rate) * float(enc_tb)) if frame_rate else 0.0
    if start_time_known:
        base_duration = min(base_duration, 1 / (float(out_rate) * float(enc_tb)))
    out: list[tuple[int, int]] = []
    sync_opts, frame_number = 0, 0
    last: int | None = None
    last_nb0 = [0, 0, 0]
    for i, p in enumerate(pts):
        # the pts in output slots with 16 extra bits, nudged off exact midpoints as fftools does
        sync_ipts = _rescale(int(p), filter_tb, fine_tb) / (1 << extra_bits)
        sync_ipts += float(np.sign(sync_ipts)) / (1 << 17)
        duration = base_duration
        d = _lrintf(float(durations[i]) * float(filter_tb) / float(enc_tb)) if durations[i] else 0
        if d > 0:  # the packet's own duration wins when it rounds to at least one slot
            duration = float(d)
        delta0 = sync_ipts - sync_opts
        delta = delta0 + duration
        nb0, nb = 0, 1
        if delta0 < 0 and delta > 0:  # a frame starting before its slot is clipped to it
            sync_ipts = float(sync_opts)
            duration += delta0
            delta0 = 0.0
        if method == "vscfr" and frame_number == 0 and delta0 >= 0.5:
            delta, delta0 = duration, 0.0  # no duplicated initial frames
            sync_opts = _lrint(sync_ipts)
        if method in ("cfr", "vscfr"):
            if delta < -1.1:
                nb = 0
            elif delta > 1.1:
                nb = _lrintf(delta)
                if delta0 > 1.1:
                    nb0 = _lrintf(delta0 - 0.6)
        elif method == "vfr":
            if delta <= -0.6:
                nb = 0
            elif delta > 0.6:
                sync_opts = _lrint(sync_ipts)
        else:
            raise ValueError(f"unknown vsync method {method!r}")
        nb0 = min(nb0, nb)
        last_nb0 = [nb0, *last_nb0[:2]]
        for k in range(nb):  # the first nb0 copies repeat the previous frame
            out.append((last if (k < nb0 and last is not None) else i, sync_opts))
            sync_opts += 1
            frame_number += 1
        last = i
    # end of stream: the median of the last three repeat counts, of the last frame
    for _ in range(sorted(last_nb0)[1] if last is not None else 0):
        out.append((last, sync_opts))
        sync_opts += 1
    return out


def indices_for(policy: str, times: FrameTimes, fps: float = 25.0) -> np.ndarray:
    """Source frame index of each output frame under ``policy`` (see the module docstring)."""
    check_policy(policy)
    n = len(times.pts)
    if policy == "native" or n == 0:
        return np.arange(n)
    rate = Fraction(fps).limit_denominator(1001)
    pts = _input_pts(times)
    start_known = times.file_start is not None
    if policy == "fps_filter":
        from talkbench.io.fps_filter import fps_filter_indices

        return fps_filter_indices(pts, times.durations, times.time_base, times.guessed_rate, str(rate))
    if policy == "ffmpeg_r25":
        method = "vscfr" if times.n_streams == 1 else "cfr"
        picked = vsync(pts, times.time_base, times.durations, times.guessed_rate, method, rate, start_known)
        return np.array([i for i, _ in picked], dtype=np.int64)
    # ffmpeg_r25_avi: vfr into the AVI (each kept frame at its slot, empty chunks in between),
    # then the frame dump reads the AVI back (one-slot frames) in cfr mode, filling the gaps
    kept = vsync(pts, times.time_base, times.durations, times.guessed_rate, "vfr", rate, start_known)
    # the AVI muxer fills gaps with empty chunks only after its first packet, which is written as
    # chunk 0 whatever its slot (a clip whose video starts after its audio: a gap after frame 0)
    slots = np.array([s for _, s in kept], dtype=np.int64)
    slots[0] = 0
    second = vsync(slots, 1 / rate, np.ones(len(slots), dtype=np.int64), rate,
                   "cfr" if times.has_audio else "vscfr", rate)
    src = np.array([i for i, _ in kept], dtype=np.int64)
    return src[np.array([j for j, _ in second], dtype=np.int64)]
