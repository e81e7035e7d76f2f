"""Atomic file writes, for the core and every plugin: temp file, fsync, then ``os.replace``.

A crash or a full disk mid-write leaves either the old file or no file, never half of one;
the temp file is removed on any error. Writes go through ``os.write`` so tests can simulate
ENOSPC by monkeypatching it.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from talkbench.errors import TalkbenchError


class WriteError(TalkbenchError):
    """A write that failed (disk full, permissions): fatal for the run, which can be resumed."""


def atomic_write_bytes(path: str | Path, data: bytes) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        try:
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.chmod(tmp, 0o644)  # mkstemp makes 0600 files
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise WriteError(
            f"{path}: cannot write ({exc.strerror or exc}); free disk space / fix permissions "
            "and re-run the same command to resume"
        ) from exc
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def atomic_write_text(path: str | Path, text: str) -> Path:
    return atomic_write_bytes(path, text.encode())


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """A temp path beside ``path`` for writers that want a file name (torch.save, np.save...);
    it replaces ``path`` only if the block finishes, and is removed otherwise."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=path.suffix or ".tmp")
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, 0o644)  # mkstemp makes 0600 files; outputs are meant to be shared
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)


def publish_dir(tmp: str | Path, final: str | Path) -> Path:
    """Move a fully written directory ``tmp`` to ``final``, replacing an older one.

    The old directory is moved aside first, so a crash leaves either version, never a mix.
    """
    tmp, final = Path(tmp), Path(final)
    if final.exists():
        old = final.with_name(f".{final.name}.old")
        shutil.rmtree(old, ignore_errors=True)
        os.replace(final, old)
        os.replace(tmp, final)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(tmp, final)
    return final


def _clean(obj: Any) -> Any:
    """JSON has no NaN/inf: store them as None (strict parsers elsewhere choke on NaN)."""
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    if hasattr(obj, "item") and callable(obj.item) and getattr(obj, "ndim", 1) == 0:
        return _clean(obj.item())  # numpy / torch scalars
    return obj


def atomic_write_json(path: str | Path, obj: Any) -> Path:
    text = json.dumps(_clean(obj), indent=2, sort_keys=False, default=str, allow_nan=False)
    return atomic_write_bytes(path, (text + "\n").encode())


def read_json(path: str | Path) -> Any | None:
    """The parsed file, or None when it is missing or does not parse (a corrupt cache entry)."""
    try:
        with open(path, "rb") as f:
            return json.loads(f.read().decode())
    except (OSError, ValueError, UnicodeDecodeError):
        return None
