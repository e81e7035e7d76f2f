"""YAML presets shipped with the plugin: named command templates for known external models."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

from talkbench import OptionError

PRESET_DIR = Path(__file__).resolve().parent / "presets"
#: keys a preset file may set (each is also an option of the ``external`` generator)
PRESET_KEYS = {"description", "cmd", "output", "cwd", "env", "vars", "timeout", "needs"}


def preset_names() -> list[str]:
    return sorted(p.stem for p in PRESET_DIR.glob("*.yaml"))


@lru_cache(maxsize=None)
def load_preset(name: str) -> dict:
    """The preset ``name`` as a dict (one-line OptionError for unknown names or bad files)."""
    path = PRESET_DIR / f"{name}.yaml"
    if not path.is_file():
        raise OptionError(f"external: unknown preset {name!r}; known presets: {', '.join(preset_names())}")
    data = yaml.safe_load(path.read_text()) or {}
    if not isinstance(data, dict) or "cmd" not in data:
        raise OptionError(f"{path}: a preset must be a mapping with at least a 'cmd' key")
    unknown = set(data) - PRESET_KEYS
    if unknown:
        raise OptionError(f"{path}: unknown preset keys {sorted(unknown)}; allowed: {sorted(PRESET_KEYS)}")
    return data
