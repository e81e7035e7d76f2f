"""talkbench_s3fd against syncnet_python's and face-alignment's own S3FD code, tensor for tensor.

tests/fixtures/s3fd/expected.npz was made by build_s3fd_fixture.py running both references
unmodified with seeded random weights (PROTOCOL.md there) on real frames; here the port runs
the same weights (regenerated from the seed, checked by hash) on the same frames (checked by
hash) and must give the same raw head outputs, candidates and final boxes."""

from __future__ import annotations

import json
import sys
from functools import lru_cache
from pathlib import Path

import numpy as np
import pytest
import torch

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "s3fd"
sys.path.insert(0, str(FIXTURE))
from s3fd_fixture_inputs import FA_INPUTS, FRAMES, SEED, SYNCNET_INPUTS, TALKLIP_BATCH, frame, sha256_array  # noqa: E402

from talkbench_s3fd.decode import candidates, syncnet_python_detect  # noqa: E402
from talkbench_s3fd.net import S3FDNet  # noqa: E402
from talkbench_s3fd.protocols import PROTOCOLS, detect, network_input  # noqa: E402
from talkbench_s3fd.random_weights import random_state_dict, state_sha256  # noqa: E402

META = json.loads((FIXTURE / "expected.json").read_text())
EXPECTED = np.load(FIXTURE / "expected.npz")
#: float32 convolutions may round differently on another CPU; on the machine that built the
#: fixture every comparison below is exact (max differences printed by -s are 0)
RAW_ATOL = 1e-4
BOX_ATOL = 1e-3


@lru_cache(maxsize=2)
def _net(arch: str) -> S3FDNet:
    net = S3FDNet(arch)
    net.load_state_dict(random_state_dict(SEED))
    return net.eval()


@pytest.fixture(scope="module")
def images(realdata):
    return {name: frame(realdata / "video", name) for name in FRAMES}


def test_seeded_weights_are_the_fixtures():
    assert state_sha256(random_state_dict(SEED)) == META["weights_sha256"]


def test_inputs_are_the_fixtures(images):
    assert {n: sha256_array(a) for n, a in images.items()} == META["inputs_sha256"]


def _close(ours, theirs, atol, what):
    ours, theirs = np.asarray(ours, dtype=np.float64), np.asarray(theirs, dtype=np.float64)
    assert ours.shape == theirs.shape, f"{what}: shape {ours.shape} vs {theirs.shape}"
    diff = float(np.abs(ours - theirs).max()) if ours.size else 0.0
    print(f"{what}: max |diff| {diff:.3g}")
    assert diff <= atol, f"{what}: max |diff| {diff}"


def _params(names):
    """The first input of each path runs by default, the others with -m slow (S3FD is seconds
    per frame on a loaded CPU)."""
    return [pytest.param(n, marks=() if i == 0 else pytest.mark.slow) for i, n in enumerate(names)]


@pytest.mark.parametrize("name", _params(SYNCNET_INPUTS))
def test_syncnet_python_path(images, name):
    import cv2

    p = PROTOCOLS["syncnet_python"]
    small = cv2.resize(images[name], dsize=(0, 0), fx=0.25, fy=0.25, interpolation=cv2.INTER_LINEAR)
    with torch.no_grad():
        raw = _net("syncnet_python")(network_input(small[None], p))
    for k in range(6):
        conf_ref = torch.from_numpy(EXPECTED[f"sp_{name}_head_conf{k}"])
        if k == 0:  # syncnet_python maxes out the background maps after its hook point
            conf_ref = torch.cat([conf_ref[:, :3].max(1, keepdim=True)[0], conf_ref[:, 3:]], 1)
        _close(raw[2 * k], conf_ref, RAW_ATOL, f"{name} conf{k}")
        _close(raw[2 * k + 1], EXPECTED[f"sp_{name}_head_loc{k}"], RAW_ATOL, f"{name} loc{k}")
    rows = syncnet_python_detect(raw, small.shape[:2])[0, 1]
    _close(rows[rows[:, 0] > 0], EXPECTED[f"sp_{name}_detect"], RAW_ATOL, f"{name} Detect")
    boxes = detect(_net("syncnet_python"), images[name], p)[0]
    assert len(boxes) == len(EXPECTED[f"sp_{name}_boxes"]) > 10
    _close(boxes, EXPECTED[f"sp_{name}_boxes"], BOX_ATOL, f"{name} boxes")
    assert (boxes[:, 4] > 0.9).all() and (np.diff(boxes[:, 4]) <= 0).all()


@pytest.mark.parametrize("name", _params(FA_INPUTS))
def test_face_alignment_path(images, name):
    p = PROTOCOLS["face_alignment"]
    with torch.no_grad():
        raw = _net("face_alignment")(network_input(images[name][None], p))
    for k in range(12):
        _close(raw[k], EXPECTED[f"fa_{name}_head_{k}"], RAW_ATOL, f"{name} head {k}")
    _close(candidates(raw, "face_alignment")[0], EXPECTED[f"fa_{name}_cands"], BOX_ATOL, f"{name} candidates")
    boxes = detect(_net("face_alignment"), images[name], p)[0]
    assert len(boxes) == len(EXPECTED[f"fa_{name}_boxes"]) > 10
    _close(boxes, EXPECTED[f"fa_{name}_boxes"], BOX_ATOL, f"{name} boxes")


def test_talklip_path(images):
    """TalkLip's face_detection on one batch: candidates of every frame wherever any frame of the
    batch scores > 0.05 (float32), then NMS 0.3 / > 0.5, then bbx_extract.py's int box."""
    from talkbench.faces import Detection
    from talkbench_imagequality.talklip_boxes import talklip_box

    p = PROTOCOLS["talklip"]
    batch = np.stack([images[n] for n in TALKLIP_BATCH])
    # its numpy transpose hands torch NHWC memory; NCHW convolutions round differently (~1e-5)
    assert network_input(batch, p).stride()[1] == 1 and network_input(batch, PROTOCOLS["face_alignment"]).stride()[3] == 1
    with torch.no_grad():
        raw = _net("face_alignment")(network_input(batch, p))
    cands = candidates(raw, "talklip")
    assert cands.dtype == np.float32
    _close(cands.transpose(1, 0, 2), EXPECTED["tl_cands"], BOX_ATOL, "talklip candidates")
    rows = detect(_net("face_alignment"), batch, p)
    lm = np.full((68, 2), np.nan, np.float32)
    for name, r in zip(TALKLIP_BATCH, rows):
        assert len(r) == len(EXPECTED[f"tl_{name}_boxes"]) > 10
        _close(r, EXPECTED[f"tl_{name}_boxes"], BOX_ATOL, f"talklip {name} boxes")
        box = talklip_box([Detection(d[:4].astype(np.float32), lm, float(d[4])) for d in r], batch.shape[1:3])
        assert list(box) == EXPECTED[f"tl_{name}_int"].tolist()


def test_the_two_architectures_differ_where_the_references_do():
    """fc6 dilated vs padded and pool3 ceil vs floor: different map sizes from the 4th head on."""
    p = PROTOCOLS["face_alignment"]
    x = network_input(np.zeros((1, 64, 48, 3), np.uint8), p)
    with torch.no_grad():
        a = [o.shape[2:] for o in _net("face_alignment")(x)[0::2]]
        b = [o.shape[2:] for o in _net("syncnet_python")(x)[0::2]]
    assert a[:3] == b[:3] and a[3:] != b[3:]
    # 64×48 → pool5 2×1: a 3×3 kernel padded by 3 grows it by 4, the dilated one keeps it
    assert tuple(a[3]) == (6, 5) and tuple(b[3]) == (2, 1)
    # an odd conv3_3 map (9 at 36 px) pools to 5 in ceil mode (syncnet_python), 4 in floor
    y = network_input(np.zeros((1, 36, 36, 3), np.uint8), p)
    with torch.no_grad():
        assert _net("syncnet_python")(y)[2].shape[2] == 5 and _net("face_alignment")(y)[2].shape[2] == 4
