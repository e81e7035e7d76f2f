"""What the metrics score: the generator's own frames (kept losslessly) and the scored file's audio.

A generated clip is written twice: ``videos/<clip>.mp4`` (H.264 + AAC, for viewing) and
``videos/<clip>.lossless.mkv`` (FFV1 + float PCM, bit-exact), which is what the metrics see by
default, so that GT scores as itself (SSIM 1.000, PSNR undefined) and a model is not scored
after talkbench's own crf-18 encode. ``score_from="encoded"`` scores the mp4 instead (the
reference repos' lossy path). ``evaluate --videos`` scores the external file as it is.

Audio follows the file that is scored: its own track when it has one (as syncnet_python and
Wav2Lip's scores_LSE read the video's audio), else the dataset's. The entry's ``video`` part
says which (``scored_from``, ``scored_sha256``, ``audio_from``) and records the lengths.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import av
import numpy as np

from talkbench.atomic import WriteError
from talkbench.clip import Clip
from talkbench.errors import ClipFailure, TalkbenchError
from talkbench.hashing import sha256_file
from talkbench.io import lossless_path_for, read_audio, read_frames, write_lossless, write_video

#: ``--score-from`` choices: the lossless frames the generator returned, or the delivered mp4
SCORE_FROM = ("lossless", "encoded")
#: audio and video may differ by this much before a clip's lengths count as mismatched
#: (AAC adds up to ~2 × 1024 samples of priming/padding: 0.13 s at 16 kHz)
AUDIO_SLACK_S = 0.15

_WARNED: set[str] = set()  # run directories already warned about length mismatches


def score_from_of(plan) -> str:
    return getattr(plan, "score_from", None) or "lossless"


def check_generated(out: Any, source: Clip) -> np.ndarray:
    """The generator's frames, or ClipFailure saying what is wrong with them."""
    if not isinstance(out, Clip):
        raise ClipFailure(f"generator returned {type(out).__name__}, not a Clip")
    try:
        frames = np.asarray(out.frames)
    except (ValueError, TypeError) as exc:
        raise ClipFailure(f"generated clip has no frames ({exc})") from None
    if frames.ndim != 4 or frames.shape[-1] != 3:
        raise ClipFailure(f"generated frames have shape {frames.shape}; expected T×H×W×3")
    if frames.size == 0:
        raise ClipFailure(f"generated frames are empty (shape {frames.shape})")
    if frames.dtype != np.uint8:
        if np.issubdtype(frames.dtype, np.floating) and not np.isfinite(frames).all():
            bad = int((~np.isfinite(frames)).any(axis=(1, 2, 3)).sum())
            raise ClipFailure(f"generated frames contain NaN/inf in {bad} of {len(frames)} frames")
        raise ClipFailure(f"generated frames are {frames.dtype}; expected uint8 RGB")
    return frames


def generate(plan, source: Clip, seed: int) -> dict:
    """Run the generator, check its frames, write both files; returns the entry's ``video`` part."""
    from talkbench.runner.profile import stage

    t0 = time.perf_counter()
    with stage("generate"):
        out = plan.generator.generate(source, source.audio, seed=seed)
    seconds = time.perf_counter() - t0
    with stage("write"):
        return save_generated(plan, source, out, seconds)


def save_generated(plan, source: Clip, out: Any, seconds: float) -> dict:
    frames = check_generated(out, source)
    path = plan.video_path(source.id)
    lossless = lossless_path_for(path)
    try:
        # the scored copy first: an mp4 on disk always has its lossless twin beside it
        write_lossless(lossless, frames, fps=out.fps, audio=source.audio, sample_rate=source.sample_rate)
        write_video(path, frames, fps=out.fps, audio=source.audio, sample_rate=source.sample_rate)
    except OSError as exc:  # disk full etc.: fatal, the run cannot go on
        raise WriteError(f"{path}: cannot write video ({exc.strerror or exc}); free disk space and re-run") from exc
    video = {"path": str(path.relative_to(plan.run_dir)), "sha256": sha256_file(path),
             "lossless_path": str(lossless.relative_to(plan.run_dir)), "lossless_sha256": sha256_file(lossless),
             "frames": int(len(frames)), "height": int(frames.shape[1]), "width": int(frames.shape[2]),
             "fps": float(out.fps), "generate_seconds": round(seconds, 4)}
    return mark_scored(plan, video)


def external(plan, clip_id: str) -> dict:
    path = plan.video_path(clip_id)
    digest = sha256_file(path)
    return {"path": str(path), "sha256": digest, "external": True,
            "scored_from": "external", "scored_sha256": digest}


def mark_scored(plan, video: dict) -> dict:
    """Set ``scored_from``/``scored_sha256`` for this run's choice (the cache keys use them)."""
    if video.get("external"):
        return dict(video, scored_from="external", scored_sha256=video["sha256"])
    if score_from_of(plan) == "encoded":
        return dict(video, scored_from="encoded", scored_sha256=video["sha256"])
    return dict(video, scored_from="lossless", scored_sha256=video.get("lossless_sha256"))


def scored_file_intact(plan, clip_id: str, video: dict) -> bool:
    """The file the metrics score is there with the sha256 the entry holds (checked on resume)."""
    if video.get("external") or score_from_of(plan) == "encoded":
        return True  # that file is the delivered one, whose sha256 the caller checks
    rel = video.get("lossless_path")
    if not rel or not video.get("lossless_sha256"):
        return False  # an entry from before lossless scoring: generate again
    path = plan.run_dir / rel
    return path.is_file() and sha256_file(path) == video["lossless_sha256"]


def scored_path(plan, clip_id: str, video: dict) -> Path:
    if video.get("external") or video.get("scored_from") == "encoded":
        return plan.video_path(clip_id)
    return plan.run_dir / video["lossless_path"]


def _has_audio_track(path: Path) -> bool:
    try:
        with av.open(str(path)) as c:
            return bool(c.streams.audio)
    except av.error.FFmpegError:
        return False


def scored_clip(plan, source: Clip, video: dict, keep_yuv420: bool = False) -> Clip:
    """What the metrics see: the scored file's frames at 25 fps and its own audio track (the
    dataset's audio when it has none), the source's transcript; face geometry is carried over
    only for generators that edit the source in place. ``keep_yuv420``: the clip also carries
    the decoder's planes (``Clip.yuv420``) where the file has them, from the same decode."""
    video.update(mark_scored(plan, video))
    path = scored_path(plan, source.id, video)
    # read as the dataset reads its clips (fps policy, resampler: talkbench.io.load_clip)
    read = (source.meta.get("io") or {}).get("read") or {} if isinstance(source.meta, dict) else {}
    policy = {k: v for k, v in read.items() if k == "fps_policy"}
    if keep_yuv420:
        frames, video_io, yuv = read_frames(path, source.fps, keep_yuv420=True, **policy)
    else:
        (frames, video_io), yuv = read_frames(path, source.fps, **policy), None
    h, w = video.get("height"), video.get("width")
    if h and w and frames.shape[1:3] != (h, w):
        frames = frames[:, :h, :w]  # write_video pads odd sizes for yuv420p (then yuv no longer belongs)
    if _has_audio_track(path):
        audio, _ = read_audio(path, source.sample_rate, **{k: v for k, v in read.items() if k == "resampler"})
        audio_from = "file"
    else:
        audio, audio_from = source.audio_source, "dataset"
    # evaluate: the scored file is the external video, so its frame-rate conversion is the one
    # the record's io summary must count (the source's frames may never be decoded)
    meta = {"model": plan.model, "scored_from": video["scored_from"], "audio_from": audio_from,
            "io": {"video": video_io}}
    gen = plan.generator
    if gen is not None and gen.needs == "source_video" and gen.outputs == "full_frame":
        meta.update({k: v for k, v in source.meta.items() if k in ("landmarks", "boxes")})
    clip = Clip(id=source.id, frames_source=frames, audio_source=audio, fps=source.fps,
                sample_rate=source.sample_rate, transcript=source.transcript, speaker=source.speaker,
                path=path, meta=meta, yuv420=yuv)
    video["audio_from"] = audio_from
    video["lengths"] = length_facts(clip, source)
    _warn_once(plan, source.id, video["lengths"])
    return clip


def _reference_frames(source: Clip, scored: Clip) -> int | None:
    if (source.path is not None and scored.path is not None and callable(source.frames_source)
            and Path(source.path).resolve() == Path(scored.path).resolve()
            and (source.meta.get("io") or {}).get("read", {}).get("fps_policy")
            == (scored.meta.get("io") or {}).get("video", {}).get("fps_policy")):
        # evaluate without a reference: the "reference" is the scored file itself, read the
        # same way; decoding it a second time only to count its frames is wasted
        return int(len(scored.frames))
    try:
        return int(source.num_frames)
    except (ValueError, OSError, TalkbenchError):  # an undecodable reference: nothing to compare
        return None


def length_facts(scored: Clip, source: Clip) -> dict[str, Any]:
    """Frame counts and seconds of the scored clip, its audio and the reference, and mismatches."""
    n = int(len(scored.frames))
    facts: dict[str, Any] = {"scored_frames": n, "video_seconds": round(n / scored.fps, 3)}
    if scored.has_audio:
        facts["audio_seconds"] = round(len(scored.audio) / scored.sample_rate, 3)
    ref = _reference_frames(source, scored)
    facts["reference_frames"] = ref
    problems = []
    if "audio_seconds" in facts and abs(facts["audio_seconds"] - facts["video_seconds"]) > AUDIO_SLACK_S:
        problems.append(f"audio {facts['audio_seconds']:.2f} s vs video {facts['video_seconds']:.2f} s")
    if ref is not None and ref != n:
        problems.append(f"{n} scored frames vs {ref} reference frames")
    facts["mismatch"] = problems
    return facts


def _warn_once(plan, clip_id: str, lengths: dict) -> None:
    key = str(plan.run_dir)
    if not lengths["mismatch"] or key in _WARNED:
        return
    _WARNED.add(key)
    print(f"talkbench: warning: clip {clip_id}: length mismatch ({'; '.join(lengths['mismatch'])}); "
          "every clip's lengths are in scores/<clip>.json (video.lengths) and the record (io.length_mismatches)",
          file=sys.stderr, flush=True)


def scored_io(entries: list[dict], score_from: str = "lossless") -> dict[str, Any]:
    """The record's summary of what was scored: ``scored_from``, ``audio_from`` counts and
    the clips whose lengths did not match."""
    videos = [e.get("video") or {} for e in entries]
    kinds = sorted({v.get("scored_from") for v in videos if v.get("scored_from")})
    audio: dict[str, int] = {}
    for v in videos:
        if v.get("audio_from"):
            audio[v["audio_from"]] = audio.get(v["audio_from"], 0) + 1
    mismatches = {e["clip_id"]: (e.get("video") or {})["lengths"]["mismatch"] for e in entries
                  if ((e.get("video") or {}).get("lengths") or {}).get("mismatch")}
    scored_from = kinds[0] if len(kinds) == 1 else (kinds or score_from)
    return {"scored_from": scored_from, "audio_from": audio, "length_mismatches": mismatches}
