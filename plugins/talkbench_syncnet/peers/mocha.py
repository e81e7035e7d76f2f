"""``protocol=mocha``: MoChaBench's eval-lipsync/script/syncnet_pipeline.py (SyncNetPipeline.inference).

syncnet_python's run_pipeline with these differences (fixture: tests/fixtures/mocha_sync):
- the speech is a **separate file** (the pipeline never reads the video's audio): MoChaBench
  scores against speech already separated from music/noise (its benchmark/speeches were made
  with Demucs mdx_extra before evaluation; the pipeline itself runs no denoiser). It is
  resampled with ``ffmpeg -i SPEECH -ac 1 -ar 16000 -f wav``; the video's ``-q:v 2 -r 25 -async 1``
  avi is used for frames (``-q:v 2 -f image2 -threads 1``) and shots only;
- shots by PySceneDetect 0.6 (pinned 0.6.6), shots of ≥ 50 frames, tracks of > 50 detections;
- the tracker stops looking at a frame's faces at the first one that does not match (run_pipeline
  goes on to the frame's next face), and its IoU adds 1e-8 to the denominator;
- crops: XVID avi muxed with the track's speech slice as PCM (``-c:a copy``), scored from
  ``-f image2 -threads 1`` jpgs of it, audio ``-ac 1 -vn -acodec pcm_s16le -ar 16000 -af aresample=async=1``;
- clip value: **best**: LSE-C = the max conf over tracks and LSE-D = the min distance over tracks,
  each on its own (they can come from different tracks). No track: MoChaBench returns
  ``has_face=False`` and leaves the clip out of its means: a recorded clip failure here.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any, Callable

from talkbench import ClipFailure

from talkbench_syncnet.peers.common import cut_audio, score_file, track_crops, track_record, write_video
from talkbench_syncnet.peers.shots06 import detect_shots_06
from talkbench_syncnet.wild.convert import Converted, ffmpeg, read_jpgs
from talkbench_syncnet.wild.tracks import all_tracks

MIN_TRACK = 50
REFERENCE = "congwei1230/MoChaBench eval-lipsync/script/syncnet_pipeline.py @ 043908d"


def iou_eps(a, b) -> float:
    ix = max(0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter + 1e-8)


def grow_mocha(pool: list, num_failed_det: int, iou_thres: float) -> list:
    """One pass of SyncNetPipeline._track: the first non-matching face ends the frame's scan.

    The reference removes a taken face from the list it iterates, so the face after it is
    skipped in this pass (the ``i += 1`` after ``pop``), as in run_pipeline."""
    track: list = []
    for faces in pool:
        i = 0
        while i < len(faces):
            frame, box = faces[i]
            if not track or (frame - track[-1][0] <= num_failed_det and iou_eps(box, track[-1][1]) > iou_thres):
                track.append(faces.pop(i))
                i += 1
                continue
            break
    return track


def convert_avi(video: Path, speech: Path, work: Path) -> Converted:
    avi = work / "video.avi"
    ffmpeg("-i", str(video), "-q:v", "2", "-r", "25", "-async", "1", str(avi))
    frames = work / "frames"
    frames.mkdir()
    ffmpeg("-i", str(avi), "-q:v", "2", "-f", "image2", "-threads", "1", str(frames / "%06d.jpg"))
    wav = work / "speech.wav"
    ffmpeg("-i", str(speech), "-ac", "1", "-ar", "16000", "-f", "wav", str(wav))
    return Converted(avi, read_jpgs(frames), None, wav)


def combine_best(tracks: list[dict[str, Any]]) -> dict[str, Any]:
    """max(confs) and min(dists), independently (SyncNetPipeline.inference's return)."""
    best = max(range(len(tracks)), key=lambda i: tracks[i]["lse_c"])
    closest = min(range(len(tracks)), key=lambda i: tracks[i]["lse_d"])
    return {"offset": tracks[best]["offset"], "lse_c": max(t["lse_c"] for t in tracks),
            "lse_d": min(t["lse_d"] for t in tracks), "lse_c_track": best, "lse_d_track": closest,
            "offsets": [t["offset"] for t in tracks]}


def run_mocha(video: Path, speech: Path, net, detect: Callable, *, device: str = "cpu", label: str = "",
              keep: bool = False) -> dict[str, Any]:
    where = label or str(video)
    with tempfile.TemporaryDirectory(prefix="talkbench_mocha_") as tmp:
        work = Path(tmp)
        conv = convert_avi(Path(video), Path(speech), work)
        n = len(conv.frames)
        detections = detect(conv.frames)
        if len(detections) != n:
            raise ClipFailure(f"{where}: face geometry has {len(detections)} frames, MoChaBench's jpg dump {n}")
        shots = detect_shots_06(conv.video)
        tracks = all_tracks(detections, shots, min_track=MIN_TRACK, num_failed_det=25, iou_thres=0.5,
                            min_face_size=100.0, grow=grow_mocha)
        if not tracks:
            raise ClipFailure(f"{where}: no face track of more than {MIN_TRACK} detected frames in a shot "
                              f"({n} frames, {len(shots)} shot(s), faces in {sum(1 for d in detections if d)} "
                              "frames); MoChaBench returns has_face=False and leaves such a clip out")
        results, geometry = [], []
        for i, track in enumerate(tracks):
            tw = work / f"crop{i:05d}"
            tw.mkdir()
            crops, geo = track_crops(conv.frames, track)
            write_video(crops, tw / "t.avi", "XVID")
            cut_audio(conv.audio_wav, track, tw / "slice.wav")
            ffmpeg("-i", str(tw / "t.avi"), "-i", str(tw / "slice.wav"), "-c:v", "copy", "-c:a", "copy",
                   str(tw / "crop.avi"))
            scored = score_file(net, tw / "crop.avi", tw, jpg_args=("-threads", "1"), device=device,
                                audio_args=("-ac", "1", "-vn", "-acodec", "pcm_s16le", "-ar", "16000",
                                            "-af", "aresample=async=1"))
            results.append(track_record(track, geo, scored))
            if keep:
                geometry.append({"frames": track.frames, "bbox": track.boxes, **geo})
    out = {**combine_best(results), "tracks": results, "shots": [list(s) for s in shots], "frames": n,
           "combine": "best (MoChaBench: max conf, min dist)"}
    if keep:
        out["_geometry"] = geometry
    return out
