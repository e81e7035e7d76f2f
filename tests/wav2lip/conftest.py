from __future__ import annotations

import io
import lzma

import numpy as np
import pytest
import torch


@pytest.fixture(scope="session")
def w2l_io(calibration):
    path = calibration / "wav2lip_io.npz"
    if not path.is_file():
        pytest.fail(f"calibration fixture {path} is missing; set TALKBENCH_SHARED")
    with np.load(path) as z:
        return {k: z[k] for k in z.files}


@pytest.fixture(scope="session")
def w2l_calibration_state(calibration):
    """The fixture checkpoint ({"state_dict": ...}, 352 keys), decompressed in memory."""
    with lzma.open(calibration / "wav2lip_random_seed0.pth.xz") as f:
        return torch.load(io.BytesIO(f.read()), map_location="cpu", weights_only=True)


@pytest.fixture(scope="session")
def w2l_calibration_model(w2l_calibration_state):
    from talkbench_wav2lip.network import Wav2Lip, load_into

    model = Wav2Lip().eval()
    load_into(model, w2l_calibration_state, "wav2lip_random_seed0.pth")
    return model


@pytest.fixture(scope="session")
def seeded_w2l_checkpoint(tmp_path_factory):
    from w2l_helpers import write_seeded_wav2lip

    return write_seeded_wav2lip(tmp_path_factory.mktemp("w2l") / "wav2lip_seed0.pth", seed=0)
