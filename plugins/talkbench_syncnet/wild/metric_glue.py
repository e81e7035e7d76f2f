"""lse_c / lse_d under ``protocol=wild``: options → WildSettings, detections, cache, aggregation."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from talkbench import Clip, ClipFailure, Option, OptionError, WeightsMissingError, sha256_file

from talkbench_syncnet.wild.settings import AUDIO_SPANS, COMBINE_RULES, WildSettings
from talkbench_syncnet.result_cache import RESULTS

#: options only the wild protocol reads (lrs ignores them); defaults = the reference
WILD_OPTIONS = (
    Option("face_geometry", str, "",
           "wild: a talkbench-face-geometry/1 JSON file of every face per converted frame (instead of "
           "running face_backend); see plugins/talkbench_syncnet/wild/geometry.py"),
    Option("facedet_scale", float, 0.25, "wild: the reference's S3FD input scale (recorded; given to an S3FD backend)",
           min=0.01, max=4.0),
    Option("det_conf", float, 0.9, "wild: the reference's S3FD confidence threshold (S3FD backends only)",
           min=0.0, max=1.0),
    Option("convert", bool, True, "wild: ffmpeg -qscale:v 2 -async 1 -r 25 avi + qscale-2 jpg frames first"),
    Option("shot_split", bool, True, "wild: PySceneDetect shots (tracks never cross a cut)"),
    Option("min_track", int, 100, "wild: a track needs more than this many detected frames", min=1),
    Option("num_failed_det", int, 25, "wild: frames a track may miss before it stops", min=0),
    Option("min_face_size", float, 100.0, "wild: max(mean box width, height) a track must exceed, px", min=0.0),
    Option("xvid_roundtrip", bool, True, "wild: write the crops as XVID (cv2.VideoWriter) and read them back"),
    Option("audio_span", str, "track", "wild: track = the track's own audio (ffmpeg -ss/-to); clip = the whole "
           "clip's audio from frame 0", choices=AUDIO_SPANS),
    Option("track_combine", str, "all", "wild: clip value from its tracks: all (every track one sample of the "
           "dataset mean, as Wav2Lip's all_scores.txt) | mean | best (highest LSE-C) | first", choices=COMBINE_RULES),
)



def settings_from(options: Mapping[str, Any]) -> WildSettings:
    return WildSettings(
        facedet_scale=options["facedet_scale"], det_conf=options["det_conf"], convert=options["convert"],
        shot_split=options["shot_split"], min_track=options["min_track"],
        num_failed_det=options["num_failed_det"], min_face_size=options["min_face_size"],
        crop_scale=options["crop_scale"], xvid_roundtrip=options["xvid_roundtrip"],
        jpeg_roundtrip=options["jpeg_roundtrip"], audio_span=options["audio_span"],
        vshift=options["vshift"], batch_size=options["batch_size"], combine=options["track_combine"],
    )


#: the references' detector: syncnet_python's S3FD set-up (talkbench_s3fd), at facedet_scale/det_conf
REFERENCE_DETECTOR = "s3fd-syncnet"


def reference_detector_missing(options: Mapping[str, Any]) -> str | None:
    """Why the protocol's own detector cannot run (None when it can, or is not needed): with
    face_backend=auto and no face_geometry the wild and peer protocols run S3FD as syncnet_python
    does, and never fall back to another detector silently."""
    if options["protocol"] == "lrs" or options["protocol"] == "syncnet-demo":
        return None
    if options["face_geometry"] or options["face_backend"] not in ("auto", REFERENCE_DETECTOR):
        return None
    try:
        reference_s3fd("cpu", 0.25, 0.9)  # loads its weights (kept: the run needs them anyway)
    except ValueError:  # no such backend registered
        return (f"protocol={options['protocol']} detects faces with S3FD as syncnet_python does, and no "
                f"'{REFERENCE_DETECTOR}' face backend is installed (talkbench_s3fd); reinstall talkbench, or pass "
                "--metric-option syncnet.face_geometry=FILE, or pick another detector explicitly "
                "(syncnet.face_backend=dlib: labelled, not comparable)")
    except WeightsMissingError as exc:
        return (f"{exc}; or pass --metric-option syncnet.face_geometry=FILE (boxes from the reference "
                "detector), or pick another detector explicitly (syncnet.face_backend=dlib: labelled, not comparable)")
    return None


_S3FD: dict[tuple, Any] = {}


def reference_s3fd(device: str, scale: float, conf: float):
    """The s3fd-syncnet backend, built once per process for its settings and weights file (the
    file's path, size and mtime are in the key: an override or a replaced file builds anew)."""
    from talkbench import resolve_weight
    from talkbench.faces import make_backend

    path = resolve_weight("syncnet_python_s3fd")  # WeightsMissingError names file, URL and place
    st = path.stat()
    key = (device, float(scale), float(conf), str(path), st.st_size, st.st_mtime_ns)
    if key not in _S3FD:
        _S3FD.clear()  # one set-up at a time: each holds a network
        _S3FD[key] = make_backend(REFERENCE_DETECTOR, device=device, scales=(scale,), conf_threshold=conf)
    return _S3FD[key]


def _backend_detector(name: str, device: str, s: WildSettings):
    from talkbench.faces import make_backend

    if name == "given":
        raise OptionError("face_backend=given under protocol=wild reads the boxes from a file: pass "
                          "--metric-option syncnet.face_geometry=FILE (format in talkbench_syncnet/wild/geometry.py)")
    if name in ("auto", REFERENCE_DETECTOR):  # the reference's detector and its settings, never a stand-in
        be = reference_s3fd(device, s.facedet_scale, s.det_conf)  # not rebuilt (and re-hashed) per clip
        note = "the reference's detector: S3FD as syncnet_python runs it (facedet_scale, det_conf applied)"
    else:
        be = make_backend(name, device=device)
        note = "not the reference's detector (S3FD at facedet_scale/det_conf): boxes differ, numbers not comparable"

    def detect(frames_bgr: np.ndarray) -> list:
        out = []
        for f in frames_bgr:
            faces = be.detect(np.ascontiguousarray(f[..., ::-1]))
            out.append([[float(v) for v in d.box] + [float(d.score)] for d in faces])
        return out

    return detect, {"backend": be.name, "version": be.version, "settings": be.settings(), "note": note}


def wild_result(metric, clip: Clip) -> dict[str, Any]:
    """The cached per-clip wild result (shared by lse_c and lse_d)."""
    from talkbench_syncnet.wild.convert import ffmpeg_version
    from talkbench_syncnet.wild.geometry import clip_entry
    from talkbench_syncnet.wild.pipeline import run_wild
    from talkbench_syncnet.wild.shots import scenedetect_version
    from talkbench import output_options

    path = clip.path
    if path is None or not Path(path).is_file():
        raise ClipFailure(f"clip {clip.id}: protocol=wild scores the video file as syncnet_python does, and this "
                          "clip has no file; write it out first or use protocol=lrs")
    if clip.meta.get("audio_from") == "dataset":
        raise ClipFailure(f"{path}: has no audio track; protocol=wild reads the speech from the video file as "
                          "syncnet_python does: mux the audio into the video (the dataset's audio is not used)")
    s = settings_from(metric.options)
    geometry_file = metric.options["face_geometry"]
    if geometry_file:
        entry, geo_digest = clip_entry(geometry_file, clip.id, Path(path).stem)
        faces = {"backend": "given", "file": str(geometry_file), "sha256_entry": geo_digest,
                 "detector": entry.get("detector", "")}
        detect = lambda frames: entry["detections"]  # noqa: E731
    else:
        detect, faces = _backend_detector(metric.options["face_backend"], metric.device, s)
        geo_digest = repr(sorted(faces.items()))
    opts = output_options(metric)
    key = (clip.id, sha256_file(path), tuple(sorted(opts.items())), geo_digest,
           metric.weights_info["sha256"], metric.device)
    if (hit := RESULTS.get(key)) is not None:
        return hit
    res = run_wild(Path(path), metric.net, s, detect, device=metric.device, label=str(path))
    res["faces"] = faces
    res["versions"] = {"ffmpeg": ffmpeg_version(), "scenedetect": scenedetect_version()}
    return RESULTS.put(key, res)


def aggregate_tracks(per_clip: Sequence[Mapping[str, Any]], key: str) -> dict[str, Any] | None:
    """track_combine=all: the dataset value is the mean over every track of every clip."""
    if not per_clip or any(r.get("combine") != "all" or not r.get("tracks") for r in per_clip):
        return None
    values = [t[key] for r in per_clip for t in r["tracks"]]
    return {"value": float(np.mean(values)), "n": len(per_clip), "n_tracks": len(values),
            "clip_mean": float(np.mean([r["value"] for r in per_clip])),
            "rule": "mean over all tracks (Wav2Lip calculate_scores_real_videos: one all_scores.txt line per track)"}
