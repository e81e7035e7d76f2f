"""Content hashes for files (cached by path/size/mtime so multi-GB weights hash once)."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

_memo: dict[tuple[str, int, int], str] = {}


def sha256_file(path: str | Path, chunk: int = 1 << 20) -> str:
    p = Path(path)
    st = p.stat()
    key = (str(p.resolve()), st.st_size, st.st_mtime_ns)
    if key in _memo:
        return _memo[key]
    h = hashlib.sha256()
    with open(p, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    _memo[key] = h.hexdigest()
    return _memo[key]


def sha256_json(obj: object) -> str:
    """Hash of a JSON-able object with sorted keys (stable across runs and machines)."""
    return hashlib.sha256(json.dumps(obj, sort_keys=True, default=str).encode()).hexdigest()


def talkbench_home() -> Path:
    """``$TALKBENCH_HOME`` (default ``~/.cache/talkbench``): weights, caches, demo data."""
    return Path(os.environ.get("TALKBENCH_HOME", Path.home() / ".cache" / "talkbench"))
