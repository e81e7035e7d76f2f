"""On-disk cache of raw per-frame detections under ``$TALKBENCH_HOME/faces/``.

Keyed by the clip's content: sha256 of the video file while the clip's frames are still lazily
read from it (then a hit needs no decoding), else the clip's ``Clip.content_key()`` (a digest of
its decoded frames and audio, memoised per clip: the metrics of a run that each track the same
generated clip hash its frames once); both keys are written on a miss so either finds the entry
next time. Also in the key:
the frame rate it was decoded at, the backend, its version and its settings, so a second run
detects nothing and any change that could alter the landmarks misses the cache. Raw detections
are cached (not the finished track) so the cheap tracking options can change without a re-run.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from talkbench.atomic import atomic_path
from talkbench.clip import Clip

from talkbench.hashing import sha256_file, sha256_json, talkbench_home

CACHE_FORMAT = 2
#: version of the in-memory content key (``clip<N>:`` prefix): the pixel keys of CACHE_FORMAT 2
#: were "pixels:<sha256>", so no old entry is read under a new key, and file-keyed entries
#: (the expensive ones: whole datasets detected once) stay valid
CLIP_KEY_VERSION = 1


def faces_cache_dir() -> Path:
    return talkbench_home() / "faces"


def file_content_key(path: str | Path) -> str:
    """sha256 of a video file (memoised by path/size/mtime, so repeated runs hash once)."""
    return "file:" + sha256_file(path)


def clip_content_key(clip: Clip) -> str:
    """The key of a clip's decoded content: for in-memory clips, e.g. a generator's output.
    Frames that were replaced (``clip.replace(frames=...)`` keeps ``path``) must never hit the
    source's entry, so loaded arrays are always keyed by their content (shape, dtype, bytes of
    frames and audio; the audio makes the key stricter than detection needs, never looser)."""
    return f"clip{CLIP_KEY_VERSION}:" + clip.content_key()


def cache_key(content: str, fps: float, backend: str, version: str, settings: dict) -> str:
    return sha256_json({"content": content, "fps": round(float(fps), 4), "backend": backend,
                        "version": version, "settings": settings, "format": CACHE_FORMAT})


def cache_path(key: str) -> Path:
    return faces_cache_dir() / key[:2] / f"{key}.npz"


def load_raw(key: str) -> dict[str, np.ndarray] | None:
    path = cache_path(key)
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as z:
            return {k: z[k] for k in z.files}
    except (OSError, ValueError, KeyError):  # a damaged cache file is a miss, not an error
        return None


def save_raw(key: str, **arrays: np.ndarray) -> Path:
    """Atomic write (temp file + rename): parallel workers never read half a file."""
    path = cache_path(key)
    with atomic_path(path) as tmp:
        np.savez_compressed(tmp, **arrays)
    return path
