"""``protocol=latentsync``: LatentSync's eval/eval_sync_conf.py (SyncNetDetector + SyncNetEval).

syncnet_python's run_pipeline with these differences (fixture: tests/fixtures/latentsync_sync):
- pre-conversion to **mp4** (``-qscale:v 2 -async 1 -r 25 video.mp4``: libx264 at its defaults,
  AAC audio), frames ``-qscale:v 2 -f image2``, audio.wav from that mp4 (one AAC round trip);
- shots by PySceneDetect 0.6 (LatentSync pins 0.6.1; see shots06.py); tracks need > 50 detections
  in a shot of ≥ 50 frames (run_pipeline: 100);
- crops written with OpenCV's **mp4v** to .mp4 and muxed with the track audio as **AAC**;
  scored from ``-f image2`` jpgs of that mp4, resized to 224 by cv2 (a no-op), audio
  ``-async 1 -ac 1 -vn -acodec pcm_s16le -ar 16000``;
- clip value: the **mean** conf over the tracks, offset ``int(mean offset)``; LatentSync reports
  no LSE-D (the mean of the tracks' min distance is given here, labelled). No track: LatentSync
  raises "Face not detected" and leaves the clip out of its mean: a recorded clip failure here.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from statistics import fmean
from typing import Any, Callable

from talkbench import ClipFailure

from talkbench_syncnet.peers.common import cut_audio, score_file, track_crops, track_record, write_video
from talkbench_syncnet.peers.shots06 import detect_shots_06
from talkbench_syncnet.wild.convert import Converted, extract_audio, ffmpeg, read_jpgs
from talkbench_syncnet.wild.tracks import all_tracks

MIN_TRACK = 50
REFERENCE = "bytedance/LatentSync eval/eval_sync_conf.py (syncnet_detect.py + syncnet_eval.py) @ a229c39"


def convert_mp4(path: Path, work: Path) -> Converted:
    mp4 = work / "video.mp4"
    ffmpeg("-i", str(path), "-qscale:v", "2", "-async", "1", "-r", "25", str(mp4))
    frames = work / "frames"
    frames.mkdir()
    ffmpeg("-i", str(mp4), "-qscale:v", "2", "-f", "image2", str(frames / "%06d.jpg"))
    wav = work / "audio.wav"
    return Converted(mp4, read_jpgs(frames), extract_audio(mp4, wav), wav)


def combine_mean(tracks: list[dict[str, Any]]) -> dict[str, Any]:
    """eval_sync_conf.syncnet_eval: fmean of conf, int(fmean(offset)) (truncates toward zero)."""
    return {"offset": int(fmean([t["offset"] for t in tracks])), "lse_c": fmean([t["lse_c"] for t in tracks]),
            "lse_d": fmean([t["lse_d"] for t in tracks]),
            "lse_d_note": "LatentSync reports no LSE-D; mean of the tracks' min distance"}


def run_latentsync(video: Path, net, detect: Callable, *, device: str = "cpu", label: str = "",
                   keep: bool = False) -> dict[str, Any]:
    where = label or str(video)
    with tempfile.TemporaryDirectory(prefix="talkbench_latentsync_") as tmp:
        work = Path(tmp)
        conv = convert_mp4(Path(video), work)
        n = len(conv.frames)
        detections = detect(conv.frames)
        if len(detections) != n:
            raise ClipFailure(f"{where}: face geometry has {len(detections)} frames, LatentSync's 25 fps mp4 {n}")
        shots = detect_shots_06(conv.video)
        tracks = all_tracks(detections, shots, min_track=MIN_TRACK, num_failed_det=25, iou_thres=0.5,
                            min_face_size=100.0)
        if not tracks:
            raise ClipFailure(f"{where}: Face not detected (LatentSync: no face track of more than {MIN_TRACK} "
                              f"detected frames in a shot; {n} frames, {len(shots)} shot(s), faces in "
                              f"{sum(1 for d in detections if d)} frames); LatentSync leaves such a clip out")
        results, geometry = [], []
        for i, track in enumerate(tracks):
            tw = work / f"crop{i:05d}"
            tw.mkdir()
            crops, geo = track_crops(conv.frames, track)
            write_video(crops, tw / "t.mp4", "mp4v")
            cut_audio(conv.audio_wav, track, tw / "track.wav")
            ffmpeg("-i", str(tw / "t.mp4"), "-i", str(tw / "track.wav"), "-c:v", "copy", "-c:a", "aac",
                   str(tw / "crop.mp4"))
            scored = score_file(net, tw / "crop.mp4", tw, jpg_args=(), device=device, resize=True,
                                audio_args=("-async", "1", "-ac", "1", "-vn", "-acodec", "pcm_s16le", "-ar", "16000"))
            results.append(track_record(track, geo, scored))
            if keep:
                geometry.append({"frames": track.frames, "bbox": track.boxes, **geo})
    out = {**combine_mean(results), "tracks": results, "shots": [list(s) for s in shots], "frames": n,
           "combine": "mean (LatentSync)"}
    if keep:
        out["_geometry"] = geometry
    return out
