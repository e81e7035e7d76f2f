"""AV-HuBERT calibration fixture: decompressed once per session (lzma), loaded lazily."""

from __future__ import annotations

import json
import lzma
import shutil
from pathlib import Path

import numpy as np
import pytest


@pytest.fixture(scope="session")
def avh_dir(calibration) -> Path:
    d = calibration / "avhubert"
    if not (d / "avhubert_expected.npz").is_file():
        pytest.fail(f"AV-HuBERT calibration fixture missing under {d}")
    return d


def _unxz(src: Path, dst: Path) -> Path:
    tmp = dst.with_suffix(".part")
    with lzma.open(src) as fin, open(tmp, "wb") as fout:
        shutil.copyfileobj(fin, fout, 1 << 20)
    tmp.rename(dst)
    return dst


@pytest.fixture(scope="session")
def avh_ckpts(avh_dir, tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("avhubert_ckpt")
    return {kind: _unxz(avh_dir / f"avhubert_tiny_{kind}.pt.xz", out / f"avhubert_tiny_{kind}.pt")
            for kind in ("seq2seq", "pretrain")}


@pytest.fixture(scope="session")
def avh_inputs(avh_dir):
    return dict(np.load(avh_dir / "avhubert_inputs.npz"))


@pytest.fixture(scope="session")
def avh_expected(avh_dir):
    return dict(np.load(avh_dir / "avhubert_expected.npz"))


@pytest.fixture(scope="session")
def avh_json(avh_dir):
    return json.loads((avh_dir / "avhubert_expected.json").read_text())


@pytest.fixture(scope="session")
def avh_loaded(avh_ckpts):
    from talkbench_avhubert.checkpoint import load_checkpoint

    return load_checkpoint(avh_ckpts["seq2seq"])


@pytest.fixture(scope="session")
def avh_model(avh_loaded):
    return avh_loaded.build_seq2seq()


@pytest.fixture(scope="session")
def avh_tensors(avh_inputs):
    import torch

    audio = torch.from_numpy(avh_inputs["audio_feats_normalized"]).T[None].contiguous()  # B,F,T
    video = torch.from_numpy(avh_inputs["video_normalized_THW1"])[..., 0][None, None].contiguous()
    mask = torch.zeros(1, audio.shape[-1], dtype=torch.bool)
    return {"av": (audio, video), "audio": (audio, None), "video": (None, video), "mask": mask}
