"""The crop geometry ``talkbench prepare`` cuts each kind of face crop with, and its key.

Every number that moves a crop's pixels is here (not inline in the crop calls), so that it is
both settable (``--geometry wav2lip.pads=0,20,0,0``) and part of the key a finished clip's
``done.json`` carries: a re-run with another geometry recomputes the clip instead of skipping
it as done. The defaults are the reference repos' values (see talkbench.faces.crops).
"""

from __future__ import annotations

from typing import Any, Iterable

#: kind -> {parameter: default}; the types of the defaults are the types of the values
CROP_GEOMETRY: dict[str, dict[str, Any]] = {
    "syncdiff": {"size": 256, "scale": 1.3, "smooth": 5},
    "wav2lip": {"pads": (0, 10, 0, 0), "size": 96},
    "syncnet": {"crop_scale": 0.4, "size": 224, "kernel": 13},
    "mouth": {"size": 96, "crop": 88, "roi_scale": 0.75},
}


def _convert(kind: str, name: str, default: Any, text: str) -> Any:
    try:
        if isinstance(default, tuple):
            vals = tuple(int(v) for v in text.split(","))
            if len(vals) != len(default):
                raise ValueError
            return vals
        return type(default)(text)
    except ValueError:
        example = ",".join(str(v) for v in default) if isinstance(default, tuple) else default
        raise ValueError(f"--geometry {kind}.{name}={text}: must look like {kind}.{name}={example}") from None


def parse_geometry(items: Iterable[str]) -> dict[str, dict[str, Any]]:
    """``["wav2lip.pads=0,20,0,0"]`` -> ``{"wav2lip": {"pads": (0, 20, 0, 0)}}``; an unknown kind
    or parameter is a ValueError naming the known ones."""
    out: dict[str, dict[str, Any]] = {}
    for item in items:
        key, sep, value = item.partition("=")
        kind, dot, name = key.strip().partition(".")
        if not sep or not dot:
            raise ValueError(f"--geometry {item!r} must look like KIND.NAME=VALUE, e.g. wav2lip.pads=0,10,0,0")
        if kind not in CROP_GEOMETRY:
            raise ValueError(f"--geometry {item!r}: unknown crop kind {kind!r}; use {', '.join(CROP_GEOMETRY)}")
        if name not in CROP_GEOMETRY[kind]:
            raise ValueError(f"--geometry {item!r}: {kind} has no parameter {name!r}; "
                             f"use {', '.join(CROP_GEOMETRY[kind])}")
        out.setdefault(kind, {})[name] = _convert(kind, name, CROP_GEOMETRY[kind][name], value.strip())
    return out


def resolve_geometry(kinds: Iterable[str], overrides: dict[str, dict[str, Any]] | None = None
                     ) -> dict[str, dict[str, Any]]:
    """The full geometry of each requested kind (defaults filled in, tuples as lists so the
    key of a JSON round trip is the same); kinds not written carry none (their geometry cannot
    change the outputs). Overrides for a kind that is not written are an error: they would be
    silently ignored."""
    kinds = list(kinds)
    unused = sorted(set(overrides or {}) - set(kinds))
    if unused:
        raise ValueError(f"--geometry for {', '.join(unused)} but --crops does not write it; "
                         f"add it to --crops or drop the --geometry option")
    out = {}
    for kind in kinds:
        if kind in CROP_GEOMETRY:
            merged = dict(CROP_GEOMETRY[kind], **(overrides or {}).get(kind, {}))
            out[kind] = {k: list(v) if isinstance(v, tuple) else v for k, v in merged.items()}
    return out
