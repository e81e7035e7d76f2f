"""Frame-numbered clips (built once per session) and ffmpeg's recorded frame choices."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


@pytest.fixture(scope="session")
def ffmpeg_choices() -> dict:
    return json.loads((HERE / "ffmpeg_choices.json").read_text())


@pytest.fixture(scope="session")
def rate_clips(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("rate_clips")
