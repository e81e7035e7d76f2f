"""Face detections given as a file (``--metric-option syncnet.face_geometry=FILE``).

Format ``talkbench-face-geometry/1`` (JSON)::

    {"format": "talkbench-face-geometry/1",
     "clips": {"<clip id or file stem>": {"frames": T, "detections": [[[x1, y1, x2, y2, score], ...], ...]}}}

one list per frame of the clip *after* the protocol's 25 fps conversion (the frames
run_pipeline's detector sees), every face of the frame, boxes in full-frame pixels. Extra keys
(``frame_size``, ``frame_digests``, ``detector``) are kept for the record.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from talkbench import ClipFailure, OptionError

FORMAT = "talkbench-face-geometry/1"


@lru_cache(maxsize=8)
def _load(path: str, mtime_ns: int, size: int) -> tuple[dict[str, Any], str]:
    raw = Path(path).read_bytes()
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise OptionError(f"{path}: face geometry is not JSON ({exc}); write the {FORMAT} format") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("clips"), dict):
        raise OptionError(f"{path}: not a {FORMAT} file (needs \"format\": \"{FORMAT}\" and a \"clips\" mapping)")
    return data["clips"], hashlib.sha256(raw).hexdigest()


def load_geometry(path: str | Path) -> tuple[dict[str, Any], str]:
    """(clips mapping, sha256 of the file)."""
    p = Path(path)
    if not p.is_file():
        raise OptionError(f"{p}: face geometry file not found; pass a {FORMAT} JSON file")
    st = p.stat()
    return _load(str(p.resolve()), st.st_mtime_ns, st.st_size)


def clip_entry(path: str | Path, clip_id: str, file_stem: str | None) -> tuple[dict[str, Any], str]:
    """The detections of one clip (by id, then by file stem) and a hash of just that entry."""
    clips, _ = load_geometry(path)
    for key in (clip_id, file_stem):
        if key is not None and key in clips:
            entry = clips[key]
            digest = hashlib.sha256(json.dumps(entry["detections"]).encode()).hexdigest()
            return entry, digest
    raise ClipFailure(f"{path}: no face geometry for clip {clip_id!r}; add it under \"clips\" "
                      "(key: the clip id or the file's stem) or drop the face_geometry option")
