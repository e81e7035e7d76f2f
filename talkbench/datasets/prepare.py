"""``talkbench prepare``: run the face pipeline over a dataset split, in worker processes.

For each clip it writes, under OUT/<dataset>/<split>/<clip id>/:
  track.npz             the FaceTrack (boxes, 68 landmarks, found, backend, settings)
  <kind>.mp4            face crops for each requested kind (syncdiff 256², wav2lip 96²,
                        syncnet 224², mouth 88² grey) at the clip's frame rate
  <kind>_boxes.npy      the full-frame boxes each crop was cut from (for paste-back)
  done.json             written last: its presence (with the same key) = finished
A rerun skips finished clips (resume) and the detection cache makes redone clips cheap. The key
(``prepare_key``) holds everything that moves the outputs: the face-track settings, the crop
kinds and each one's geometry (talkbench.datasets.prepare_geometry), the dataset root and this
module's output format; a clip prepared with another key is redone (its old crops removed),
and the summary says which inputs changed.
Failures are recorded per clip and summarised at the end; they never stop the run.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import numpy as np

from talkbench.atomic import atomic_path, atomic_write_text
from talkbench.errors import TalkbenchError

CROP_KINDS = ("syncdiff", "wav2lip", "syncnet", "mouth", "none")
#: bump when the files a clip gets, or how they are cut, change (old outputs are then redone)
PREPARE_FORMAT = 2


def atomic_save_npy(path: Path, arr: np.ndarray) -> None:
    with atomic_path(path) as tmp:
        np.save(tmp, arr)


def make_crops(kind: str, frames: np.ndarray, track, geometry: dict | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(crops T×h×w×3 uint8, boxes T×4) for one crop kind; ``geometry``: its parameters
    (prepare_geometry.CROP_GEOMETRY[kind] by default)."""
    from talkbench import faces
    from talkbench.datasets.prepare_geometry import resolve_geometry

    g = geometry if geometry is not None else resolve_geometry([kind]).get(kind, {})
    if kind == "syncdiff":
        return faces.syncdiff_crop(frames, track, g["size"], scale=g["scale"], smooth=g["smooth"])
    if kind == "wav2lip":
        boxes = faces.wav2lip_boxes(track.boxes, tuple(g["pads"]), frames.shape[1:3])
        return faces.crop_resize(frames, boxes, g["size"]), boxes
    if kind == "syncnet":
        return faces.syncnet_crops(frames, track, g["crop_scale"], g["size"], kernel=g["kernel"])
    if kind == "mouth":
        rois = faces.mouth_rois(frames, track, g["size"], g["crop"], roi_scale=g["roi_scale"])
        centre = track.landmarks[:, 48:68].mean(axis=1)
        return np.repeat(rois[..., None], 3, axis=-1), np.concatenate([centre, centre], axis=1)
    raise ValueError(f"unknown crop kind {kind!r}; use one of {', '.join(CROP_KINDS)}")


def key_inputs(settings: dict, root: str | None) -> dict[str, Any]:
    """Everything a clip's outputs depend on besides its id: the settings (track options,
    crop kinds and their geometry), the dataset root the clip is read from (another root, same
    clip ids: other pixels) and the output format."""
    import os

    return {**settings, "root": os.path.abspath(root) if root else None, "format": PREPARE_FORMAT}


def source_key(ds, split: str, clip_id: str) -> str:
    """What the clip's outputs are made from: its video file's sha256 (memoised by path, size
    and mtime) for a file-backed clip, else its decoded content (talkbench.Clip.content_key).
    A video replaced under the same root and id is another clip."""
    from talkbench.hashing import sha256_file

    clip = ds.load_clip(split, clip_id)
    path = Path(clip.path) if clip.path is not None else None
    if path is not None and path.is_file() and callable(clip.frames_source):
        return "file:" + sha256_file(path)
    return "clip:" + clip.content_key()


def backend_weights(backend: str) -> list[list[str]]:
    """(name, sha256) of the weight files the named face backend runs ("auto" resolves per
    clip: its choice and weights are in each clip's track facts, not in the key)."""
    if backend in ("auto", "given"):
        return []
    from talkbench.faces.provenance import _backend_weights

    return [[name, digest] for name, _, digest in _backend_weights(backend)]


def settings_key(inputs: dict) -> str:
    from talkbench.hashing import sha256_json

    return sha256_json(inputs)[:16]


def clip_dir(out: Path, dataset: str, split: str, clip_id: str) -> Path:
    return out / dataset / split / clip_id


def prepare_one(job: dict[str, Any]) -> dict[str, Any]:
    """Prepare one clip (runs in a worker process); never raises for a bad clip."""
    import torch

    torch.set_num_threads(1)  # the workers are the parallelism
    from talkbench.faces import track_faces
    from talkbench.plugins import get_dataset

    started = time.perf_counter()
    clip_id = job["clip_id"]
    target = Path(job["target"])
    result: dict[str, Any] = {"clip_id": clip_id, "status": "ok", "dir": str(target)}
    if job.get("changed"):
        result["redone"] = job["changed"]  # inputs that differ from the clip's earlier outputs
    try:
        ds = get_dataset(job["dataset"])(root=job["root"])
        clip = ds.load_clip(job["split"], clip_id)
        s = job["settings"]
        track = track_faces(clip, backend=s["backend"], no_face=s["no_face"], smooth=s["smooth"],
                            device=s["device"], detect_max_side=s["detect_max_side"])
        target.mkdir(parents=True, exist_ok=True)
        _clear_outputs(target, keep_kinds=s["crops"])
        track.save(target / "track.npz")
        frames, keep = clip.frames, track.valid
        for kind in s["crops"]:
            if kind == "none":
                continue
            crops, boxes = make_crops(kind, frames[keep], track.select(keep), s["geometry"].get(kind))
            from talkbench.io import write_video

            write_video(target / f"{kind}.mp4", crops, fps=clip.fps)
            atomic_save_npy(target / f"{kind}_boxes.npy", boxes.astype(np.float32))
        result.update(
            backend=track.backend, frames=track.num_frames, found=int(track.found.sum()),
            used_frames=int(keep.sum()), cache=track.meta.get("cache"),
        )
        inputs = job["inputs"]
        done = {"settings": settings_key(inputs), "inputs": inputs, "track": track.meta, **result}
        atomic_write_text(target / "done.json", json.dumps(done, indent=1, default=str))
    except Exception as exc:  # one bad clip must never lose the rest of a long run
        result.update(status="failed", error=f"{type(exc).__name__}: {exc}".splitlines()[0])
    result["seconds"] = round(time.perf_counter() - started, 2)
    return result


def _clear_outputs(target: Path, keep_kinds) -> None:
    """Before (re)writing a clip: done.json first (a redo killed midway is not read as done),
    and the crops of kinds this run does not write (an earlier geometry's files must not sit
    next to a done.json that does not describe them)."""
    (target / "done.json").unlink(missing_ok=True)
    for kind in CROP_KINDS:
        if kind not in keep_kinds:
            (target / f"{kind}.mp4").unlink(missing_ok=True)
            (target / f"{kind}_boxes.npy").unlink(missing_ok=True)


def done_state(target: Path, inputs: dict) -> tuple[bool, list[str]]:
    """(finished with these inputs, the inputs that differ from the earlier outputs' ones:
    ["unknown"] for outputs of an older talkbench that recorded only a hash)."""
    done = target / "done.json"
    if not done.is_file():
        return False, []
    try:
        info = json.loads(done.read_text())
    except (OSError, ValueError):
        return False, ["unreadable done.json"]
    if info.get("settings") == settings_key(inputs):
        return True, []
    old = info.get("inputs")
    if not isinstance(old, dict):
        return False, ["unknown"]
    return False, sorted(k for k in set(old) | set(inputs) if old.get(k) != inputs.get(k))



def run_prepare(
    dataset: str, *, root: str | None, split: str | None, out: Path, settings: dict,
    workers: int = 1, limit: int | None = None, force: bool = False, progress: bool = True,
) -> dict[str, Any]:
    """Prepare a split; returns a summary (also written to OUT/<dataset>/<split>/summary.json)."""
    from talkbench.plugins import get_dataset

    if settings.get("backend") == "fan":
        # fail once, up front, instead of once per clip
        from talkbench.faces.backends.fan_backend import fan_weight_paths

        fan_weight_paths()
    ds = get_dataset(dataset)(root=root)
    split = split or ds.default_split
    ids = ds.clip_ids(split)[: limit if limit is not None else None]
    settings = dict(settings)
    settings["geometry"] = resolve_geometry_checked(settings)
    shared = key_inputs(settings, root) | {"backend_weights": backend_weights(settings.get("backend", "auto"))}
    jobs, results = [], []
    for clip_id in ids:
        target = clip_dir(out, dataset, split, clip_id)
        try:
            inputs = shared | {"source": source_key(ds, split, clip_id)}
        except (TalkbenchError, OSError, ValueError) as exc:  # an unreadable clip: its job records it
            inputs = shared | {"source": f"unreadable: {type(exc).__name__}"}
        finished, changed = done_state(target, inputs)
        if finished and not force:
            results.append({"clip_id": clip_id, "status": "skipped (done)", "dir": str(target)})
            continue
        jobs.append({"dataset": dataset, "root": root, "split": split, "clip_id": clip_id,
                     "target": str(target), "settings": settings, "inputs": inputs, "changed": changed})
    started = time.perf_counter()
    results.extend(_run_jobs(jobs, workers, progress, f"prepare {dataset}/{split}"))
    summary = {
        "dataset": dataset, "split": split, "clips": len(ids), "out": str(out / dataset / split),
        "ok": sum(r["status"] == "ok" for r in results),
        "skipped": sum(r["status"].startswith("skipped") for r in results),
        "redone": sum(bool(r.get("redone")) and r["status"] == "ok" for r in results),
        "failed": [r for r in results if r["status"] == "failed"],
        "seconds": round(time.perf_counter() - started, 2), "settings": settings,
        "results": sorted(results, key=lambda r: r["clip_id"]),
    }
    atomic_write_text(out / dataset / split / "summary.json", json.dumps(summary, indent=1, default=str))
    return summary


def resolve_geometry_checked(settings: dict) -> dict:
    """The settings' geometry (overrides, or none) completed for the requested crop kinds;
    a bad override is a TalkbenchError (the CLI's one-line error), raised before any clip."""
    from talkbench.datasets.prepare_geometry import resolve_geometry
    from talkbench.errors import TalkbenchError

    try:
        return resolve_geometry(settings["crops"], settings.get("geometry"))
    except ValueError as exc:
        raise TalkbenchError(str(exc)) from None


def _run_jobs(jobs: list[dict], workers: int, progress: bool, label: str) -> list[dict]:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn, TextColumn

    results: list[dict] = []
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, disable=not progress, transient=False) as bar:
        task = bar.add_task(label, total=len(jobs))
        if workers <= 1 or len(jobs) <= 1:
            for job in jobs:
                results.append(prepare_one(job))
                bar.advance(task)
            return results
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor, as_completed  # here: `--help` imports this module

        # spawn: fresh interpreters, no inherited torch/dlib thread state from the parent
        ctx = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
            futures = [pool.submit(prepare_one, job) for job in jobs]
            for fut in as_completed(futures):
                results.append(fut.result())
                bar.advance(task)
    return results
