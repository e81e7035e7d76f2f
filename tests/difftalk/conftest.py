"""DiffTalk test fixtures: the calibration checkpoint (decompressed once per session)."""

from __future__ import annotations

import lzma
import shutil

import numpy as np
import pytest


@pytest.fixture(scope="session")
def difftalk_fixture_dir(calibration):
    d = calibration / "difftalk"
    if not (d / "difftalk_reduced.ckpt.xz").is_file():
        pytest.fail(f"DiffTalk calibration fixture missing under {d}")
    return d


@pytest.fixture(scope="session")
def difftalk_ckpt(difftalk_fixture_dir, tmp_path_factory):
    """The uncompressed Lightning checkpoint (33.8 MB), written once to a session tmp dir."""
    out = tmp_path_factory.mktemp("difftalk_ckpt") / "difftalk_reduced.ckpt"
    with lzma.open(difftalk_fixture_dir / "difftalk_reduced.ckpt.xz", "rb") as src, open(out, "wb") as dst:
        shutil.copyfileobj(src, dst)
    return out


@pytest.fixture(scope="session")
def difftalk_model(difftalk_ckpt, difftalk_fixture_dir):
    from talkbench_difftalk.convert import load_difftalk_checkpoint

    model, report = load_difftalk_checkpoint(difftalk_ckpt, difftalk_fixture_dir / "difftalk_reduced.yaml")
    return model, report


@pytest.fixture(scope="session")
def difftalk_io(difftalk_fixture_dir):
    inputs = dict(np.load(difftalk_fixture_dir / "inputs.npz"))
    ref = dict(np.load(difftalk_fixture_dir / "reference_outputs.npz"))
    return inputs, ref
