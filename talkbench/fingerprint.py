"""The one place that builds cache keys: every input a cached number depends on.

* ``metric_key``: a per-clip score's metric identity: name, version, every option that affects
  the output (``Option(affects_output=False)`` ones are left out) and the sha256 of every
  weights file the loaded metric used (``Metric.weight_records()``, overrides and demo-trained
  nets included).
* ``inputs_key``: what the score was computed on: the sha256 of the scored input and the
  identity of the reference (the source clip's files).
* ``clip_sources``: the content fingerprint of each clip's files (video, sibling audio,
  transcript), for datasets that say which files a clip is made of (``clip_files``).
* ``data_root_of``: the resolved root of a rooted dataset, for run keys and records.

File contents are hashed once and remembered by (path, size, mtime) in memory and in
``$TALKBENCH_HOME/cache/fingerprints.json``, so re-checking a large dataset costs one ``stat``
per file.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterable, Mapping

from talkbench.hashing import sha256_file, sha256_json, talkbench_home

CACHE_NAME = "fingerprints.json"
_disk: dict[str, list] | None = None
_dirty = False


def output_options(instance: Any) -> dict[str, Any]:
    """The resolved options of a plugin instance without the pure speed/memory knobs."""
    knobs = {o.name for o in type(instance).option_specs() if not o.affects_output}
    return {k: v for k, v in dict(instance.options).items() if k not in knobs}


def metric_key(name: str, version: str, options: Mapping[str, Any], weights: Iterable[Mapping]) -> str:
    """Identifies how a per-clip score was computed (not on what: see ``inputs_key``)."""
    used = sorted((str(w.get("name")), w.get("sha256")) for w in weights)
    return sha256_json({"name": name, "version": str(version), "options": dict(options), "weights": used})[:16]


def inputs_key(entry: Mapping[str, Any]) -> str | None:
    """What a clip's scores were computed on: the scored file's sha256 and the source's
    fingerprint. None when the entry has no video (nothing was scored)."""
    video = entry.get("video")
    if not isinstance(video, Mapping):
        return None
    scored = video.get("scored_sha256") or video.get("sha256")
    return sha256_json({"scored": scored, "source": entry.get("source")})[:16]


# ---- file contents ---------------------------------------------------------------------------
def _cache_path() -> Path:
    return talkbench_home() / "cache" / CACHE_NAME


def _load_disk() -> dict[str, list]:
    global _disk
    if _disk is None:
        try:
            data = json.loads(_cache_path().read_text())
            _disk = data if isinstance(data, dict) else {}
        except (OSError, ValueError):
            _disk = {}
    return _disk


def _save_disk() -> None:
    """Merge with what other processes wrote meanwhile, then replace atomically (best effort:
    the cache only saves time, a lost update is hashed again next time)."""
    global _dirty
    if not _dirty or _disk is None:
        return
    from talkbench.atomic import WriteError, atomic_write_json

    path = _cache_path()
    try:
        on_disk = json.loads(path.read_text())
    except (OSError, ValueError):
        on_disk = {}
    if isinstance(on_disk, dict):
        _disk.update({k: v for k, v in on_disk.items() if k not in _disk})
    try:
        atomic_write_json(path, _disk)
    except WriteError:
        pass  # a read-only TALKBENCH_HOME only costs re-hashing
    _dirty = False


def file_sha256(path: str | Path) -> str:
    """sha256 of a file; a file whose size and mtime are unchanged is not read again."""
    global _dirty
    p = Path(path).resolve()
    st = p.stat()
    cache = _load_disk()
    hit = cache.get(str(p))
    if isinstance(hit, list) and len(hit) == 3 and hit[0] == st.st_size and hit[1] == st.st_mtime_ns:
        return str(hit[2])
    digest = sha256_file(p)
    cache[str(p)] = [st.st_size, st.st_mtime_ns, digest]
    _dirty = True
    return digest


def files_fingerprint(files: Iterable[Path], base: Path | None = None) -> str:
    """One digest over (name, size, sha256) of each file; names relative to ``base``."""
    rows = []
    for f in sorted(Path(x) for x in files):
        name = f.relative_to(base).as_posix() if base is not None and f.is_relative_to(base) else f.name
        rows.append([name, f.stat().st_size, file_sha256(f)])
    return sha256_json(rows)


def clip_sources(dataset: Any, split: str, clip_ids: Iterable[str]) -> dict[str, str | None]:
    """clip id → fingerprint of the clip's files, for datasets with ``clip_files(split, id)``;
    None for a clip whose files cannot be listed (its load failure is recorded later) and for
    datasets whose content is defined by their name, version and options (the demo)."""
    lister = getattr(dataset, "clip_files", None)
    out: dict[str, str | None] = {}
    for cid in clip_ids:
        files = None
        if callable(lister):
            try:
                files = lister(split, cid)
            except Exception:  # noqa: BLE001  a missing/broken clip: its load failure is recorded later
                files = None
        try:
            out[cid] = files_fingerprint(files) if files else None
        except OSError:
            out[cid] = None
    _save_disk()
    return out


def data_root_of(dataset: Any) -> str | None:
    """The resolved directory a rooted dataset reads (None for datasets without a root)."""
    if not getattr(type(dataset), "needs_root", False):
        return None
    resolve = getattr(dataset, "data_root", None)
    if callable(resolve):
        return str(Path(resolve()).resolve())
    root = getattr(dataset, "root", None)
    return str(Path(root).expanduser().resolve()) if root else None


def reset_memory() -> None:
    """Forget the in-memory copy of the disk cache (tests that switch TALKBENCH_HOME)."""
    global _disk, _dirty
    _disk, _dirty = None, False


__all__ = ["metric_key", "inputs_key", "output_options", "file_sha256", "files_fingerprint",
           "clip_sources", "data_root_of", "reset_memory"]
