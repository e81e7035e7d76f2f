"""lse_c / lse_d under a peer protocol: options, the speech file, detections, cache."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from talkbench import Clip, ClipFailure, MetricUnavailable, Option, output_options, sha256_file

from talkbench_syncnet.peers import PEER_PROTOCOLS
from talkbench_syncnet.result_cache import RESULTS

PEER_OPTIONS = (
    Option("mocha_speech", str, "file",
           "mocha: the speech scored against: file = the scored video's own audio track; reference = the "
           "dataset's driving audio (the reference clip's file, else its 16 kHz audio)", choices=("file", "reference")),
    Option("mocha_denoise", str, "none",
           "mocha: none = the speech as given (MoChaBench's pipeline takes speech already separated from "
           "music/noise); demucs = separate vocals with Demucs mdx_extra first (needs demucs + its weights)",
           choices=("none", "demucs")),
)

_SPEECH_DIR = tempfile.TemporaryDirectory(prefix="talkbench_speech_")


def references() -> dict[str, str]:
    from talkbench_syncnet.peers import demo, latentsync, mocha

    return {"latentsync": latentsync.REFERENCE, "mocha": mocha.REFERENCE, "syncnet-demo": demo.REFERENCE}


def demucs_vocals(wav: Path, out_dir: Path) -> Path:
    """``python -m demucs.separate -n mdx_extra --two-stems=vocals``: what MoChaBench's speeches are."""
    try:
        import demucs  # noqa: F401
    except ImportError:
        raise MetricUnavailable("mocha_denoise=demucs needs Demucs: pip install demucs (its mdx_extra weights "
                                "go to the torch hub cache, ~/.cache/torch/hub/checkpoints), or give speech "
                                "already separated and set mocha_denoise=none") from None
    res = subprocess.run([sys.executable, "-m", "demucs.separate", "-n", "mdx_extra", "--two-stems=vocals",
                          "-o", str(out_dir), str(wav)], capture_output=True, text=True)
    vocals = out_dir / "mdx_extra" / wav.stem / "vocals.wav"
    if res.returncode != 0 or not vocals.is_file():
        raise MetricUnavailable(f"mocha_denoise=demucs: Demucs mdx_extra failed ({res.stderr.strip()[-200:]}); "
                                "offline, put its weights in ~/.cache/torch/hub/checkpoints, or set mocha_denoise=none")
    return vocals


def speech_file(metric, generated: Clip, reference: Clip | None) -> Path:
    """The file MoChaBench's ``audio_path`` gets (before its own ffmpeg resampling)."""
    if metric.options["mocha_speech"] == "file":
        return Path(generated.path)
    if reference is None or not reference.has_audio:
        raise ClipFailure(f"clip {generated.id}: mocha_speech=reference, and the dataset gives no driving audio; "
                          "use mocha_speech=file")
    if reference.path is not None and Path(reference.path).is_file():
        return Path(reference.path)
    pcm = np.clip(np.rint(np.asarray(reference.audio, np.float32) * 32768), -32768, 32767).astype(np.int16)
    out = Path(_SPEECH_DIR.name) / f"{hashlib.sha256(pcm.tobytes()).hexdigest()[:16]}.wav"
    from scipy.io import wavfile  # here: the metric classes import this module when listed

    wavfile.write(out, int(reference.sample_rate), pcm)
    return out


def peer_result(metric, generated: Clip, reference: Clip | None) -> dict[str, Any]:
    """The cached per-clip result of ``metric.options['protocol']`` (one of PEER_PROTOCOLS)."""
    from talkbench_syncnet.peers.shots06 import scenedetect_version
    from talkbench_syncnet.wild.convert import ffmpeg_version
    from talkbench_syncnet.wild.geometry import clip_entry
    from talkbench_syncnet.wild.metric_glue import _backend_detector, settings_from

    name = metric.options["protocol"]
    assert name in PEER_PROTOCOLS
    path = generated.path
    if path is None or not Path(path).is_file():
        raise ClipFailure(f"clip {generated.id}: protocol={name} scores the video file as its reference script "
                          "does, and this clip has no file; write it out first or use protocol=lrs")
    reads_file_audio = name != "mocha" or metric.options["mocha_speech"] == "file"
    if reads_file_audio and generated.meta.get("audio_from") == "dataset":
        raise ClipFailure(f"{path}: has no audio track; protocol={name} reads the speech from the video file as its "
                          "reference script does: mux the audio into the video"
                          + (" or set mocha_speech=reference" if name == "mocha" else ""))
    speech = speech_file(metric, generated, reference) if name == "mocha" else None
    faces: dict[str, Any] = {}
    detect = None
    if name != "syncnet-demo":
        geometry_file = metric.options["face_geometry"]
        if geometry_file:
            entry, digest = clip_entry(geometry_file, generated.id, Path(path).stem)
            faces = {"backend": "given", "file": str(geometry_file), "sha256_entry": digest}
            detect = lambda frames: entry["detections"]  # noqa: E731
        else:
            detect, faces = _backend_detector(metric.options["face_backend"], metric.device,
                                              settings_from(metric.options))
            digest = repr(sorted(faces.items()))
    else:
        digest = ""
    key = (name, generated.id, sha256_file(path), sha256_file(speech) if speech else "",
           tuple(sorted(output_options(metric).items())), digest, metric.weights_info["sha256"], metric.device)
    if (hit := RESULTS.get(key)) is not None:
        return hit
    if name == "latentsync":
        from talkbench_syncnet.peers.latentsync import run_latentsync

        res = run_latentsync(Path(path), metric.net, detect, device=metric.device, label=str(path))
    elif name == "mocha":
        from talkbench_syncnet.peers.mocha import run_mocha

        if metric.options["mocha_denoise"] == "demucs":
            speech = demucs_vocals(speech, Path(_SPEECH_DIR.name) / "demucs")
        res = run_mocha(Path(path), speech, metric.net, detect, device=metric.device, label=str(path))
        res["speech"] = {"file": str(speech), "from": metric.options["mocha_speech"],
                         "denoise": metric.options["mocha_denoise"]}
    else:
        from talkbench_syncnet.peers.demo import run_demo

        res = run_demo(Path(path), metric.net, device=metric.device, label=str(path))
    res["faces"] = faces
    res["versions"] = {"ffmpeg": ffmpeg_version(), "scenedetect": scenedetect_version()}
    return RESULTS.put(key, res)
