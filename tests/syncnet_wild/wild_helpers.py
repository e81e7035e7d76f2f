"""Shared by the wild-protocol tests (a plain module: ``conftest`` names collide across folders)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "syncnet_wild"

needs_ffmpeg = pytest.mark.skipif(shutil.which("ffmpeg") is None,
                                  reason="protocol=wild calls the ffmpeg CLI (apt-get install ffmpeg)")
