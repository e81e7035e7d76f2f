"""protocol=wild (and the peers) detect faces with the reference's S3FD set-up by default; without
its weights the metric is unavailable with the fix, never a silent dlib stand-in; an explicit
other detector is allowed and labelled."""

from __future__ import annotations

import pytest

from talkbench import MetricUnavailable, get_metric
from talkbench.weights import clear_weight_overrides


@pytest.fixture(autouse=True)
def _no_overrides(monkeypatch, tmp_path):
    monkeypatch.setenv("TALKBENCH_HOME", str(tmp_path))  # no sfd_face.pth here
    clear_weight_overrides()
    yield
    clear_weight_overrides()


@pytest.mark.parametrize("protocol", ["wild", "latentsync", "mocha"])
def test_missing_s3fd_weights_make_the_metric_unavailable_naming_file_and_fixes(protocol):
    with pytest.raises(MetricUnavailable) as err:
        get_metric("lse_c")(protocol=protocol).load("cpu")
    msg = str(err.value)
    assert "sfd_face.pth" in msg and "syncnet.face_geometry=FILE" in msg and "syncnet.face_backend=dlib" in msg


def test_explicit_other_detector_is_labelled_and_geometry_needs_no_detector():
    from talkbench_syncnet.wild.metric_glue import reference_detector_missing

    m = get_metric("lse_c")(protocol="wild", face_backend="dlib")
    assert reference_detector_missing(m.options) is None
    assert m.protocol()["table_note"] == "dlib face boxes instead of S3FD"
    given = get_metric("lse_c")(protocol="wild", face_geometry="boxes.json")
    assert reference_detector_missing(given.options) is None and "table_note" not in given.protocol()
    assert "table_note" not in get_metric("lse_c")(protocol="wild").protocol()
    assert reference_detector_missing(get_metric("lse_c")().options) is None  # lrs needs no detector


def test_default_detector_is_syncnet_pythons_s3fd_at_the_options_scale_and_threshold(tmp_path):
    import numpy as np
    import torch

    from talkbench.faces import make_backend
    from talkbench.weights import set_weight_override
    from talkbench_s3fd.net import to_syncnet_python_layout
    from talkbench_s3fd.random_weights import random_state_dict
    from talkbench_syncnet.wild.metric_glue import _backend_detector, reference_detector_missing
    from talkbench_syncnet.wild.settings import WildSettings

    path = tmp_path / "sfd_face.pth"
    torch.save(to_syncnet_python_layout(random_state_dict(0)), path)
    set_weight_override("syncnet_python_s3fd", path)
    m = get_metric("lse_c")(protocol="wild", det_conf=0.5, facedet_scale=0.5)
    assert reference_detector_missing(m.options) is None
    detect, faces = _backend_detector("auto", "cpu", WildSettings(det_conf=0.5, facedet_scale=0.5))
    assert faces["backend"] == "s3fd-syncnet" and "the reference's detector" in faces["note"]
    want = make_backend("s3fd-syncnet", scales=(0.5,), conf_threshold=0.5)
    assert faces["settings"] == want.settings()
    frames_bgr = np.random.default_rng(0).integers(0, 255, (2, 96, 128, 3), dtype=np.uint8)
    got = detect(frames_bgr)
    ref = [[[float(v) for v in d.box] + [float(d.score)] for d in want.detect(f[..., ::-1].copy())] for f in frames_bgr]
    assert got == ref
