"""The s3fd face backends: weights through the registry (either key layout), one-line errors,
and track_faces / the record naming the detector, its set-up and its weights."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from talkbench import WeightsInvalidError, WeightsMissingError
from talkbench.weights import clear_weight_overrides, set_weight_override

from talkbench_s3fd.net import S3FDNet, to_syncnet_python_layout
from talkbench_s3fd.random_weights import random_state_dict
from talkbench_s3fd.weights import load_net


@pytest.fixture
def weights_files(tmp_path):
    state = random_state_dict(0)
    fa, sp = tmp_path / "s3fd-random.pth", tmp_path / "sfd_face_random.pth"
    torch.save(state, fa)
    torch.save(to_syncnet_python_layout(state), sp)
    yield fa, sp
    clear_weight_overrides()


def test_missing_weights_are_one_line_naming_file_url_and_place():
    from talkbench.faces import make_backend

    with pytest.raises(WeightsMissingError) as err:
        make_backend("s3fd-syncnet")
    msg = str(err.value)
    assert "sfd_face.pth" in msg and "https://www.robots.ox.ac.uk/~vgg/software/lipsync/data/sfd_face.pth" in msg
    assert "weights/sfd_face.pth" in msg and "--weights syncnet_python_s3fd=PATH" in msg and "\n" not in msg
    with pytest.raises(WeightsMissingError, match="s3fd-619a316812.pth from https://www.adrianbulat.com"):
        make_backend("s3fd-talklip")


def test_either_key_layout_loads_into_either_architecture(weights_files):
    fa, sp = weights_files
    x = torch.zeros(1, 3, 64, 64)
    for arch in ("syncnet_python", "face_alignment"):
        a, b = load_net(str(fa), arch), load_net(str(sp), arch)
        assert a is not b
        with torch.no_grad():
            assert all(torch.equal(u, v) for u, v in zip(a(x), b(x)))
    assert sorted(S3FDNet().state_dict()) == sorted(random_state_dict(0))


def test_a_file_that_is_not_s3fd_is_one_line(tmp_path):
    bad = tmp_path / "other.pth"
    torch.save({"conv.weight": torch.zeros(1)}, bad)
    with pytest.raises(WeightsInvalidError, match=r"other\.pth: not an S3FD checkpoint .*pass sfd_face\.pth or s3fd-619a316812\.pth$"):
        load_net(str(bad), "face_alignment")


def test_track_faces_with_s3fd_names_detector_setup_and_weights(weights_files):
    import cv2

    from talkbench import Clip
    from talkbench.faces import face_facts, track_faces

    fa, sp = weights_files
    set_weight_override("syncnet_python_s3fd", sp)
    rng = np.random.default_rng(1)
    frames = np.stack([cv2.GaussianBlur(rng.integers(0, 256, (192, 192, 3), dtype=np.uint8), (9, 9), 3)
                       for _ in range(2)])
    track = track_faces(Clip(id="noise", frames_source=frames), backend="s3fd-syncnet", cache=False, smooth=0)
    assert track.backend == "s3fd-syncnet" and track.meta["box_style"] == "s3fd"
    assert track.version.startswith("talkbench_s3fd-1+syncnet_python+sfd_face_random.pth:")
    proto = track.meta["detect"]["protocol"]
    assert proto["scales"] == [0.25] and proto["conf_threshold"] == 0.9 and proto["nms_threshold"] == 0.1
    assert np.isnan(track.landmarks).all()  # boxes only
    facts = face_facts(track, "s3fd-syncnet")
    assert facts["labelled"] is True and facts["weights"][0]["name"] == "syncnet_python_s3fd"
    assert facts["weights"][0]["path"] == str(sp)


def test_parameters_change_the_setup_and_unknown_ones_are_refused(weights_files):
    from talkbench.faces import make_backend

    fa, _ = weights_files
    set_weight_override("face_alignment_s3fd", fa)
    be = make_backend("s3fd-fa", conf_threshold=0.8)
    assert be.settings()["protocol"]["conf_threshold"] == 0.8 and be.settings()["protocol"]["channels"] == "bgr"
    with pytest.raises(ValueError, match=r"unknown parameter\(s\) \['thresh'\]"):
        make_backend("s3fd-fa", thresh=0.8)
