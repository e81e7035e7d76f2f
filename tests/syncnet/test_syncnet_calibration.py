"""THE acceptance test: talkbench's LSE-C / LSE-D reproduce the reference code's outputs.

../shared/calibration holds a seeded-random SyncNet in the official layout, two real 4 s clips
(512×512 for protocol A = Wav2Lip scores_LSE, 224×224 copies for protocol B = syncnet_python)
and what the reference produced. Tolerances are PROTOCOL.md's: 1e-4 absolute on mdist, LSE-C,
LSE-D; 1e-5 on embeddings; offsets equal. Both protocols are talkbench's default ``lrs``
protocol (whole frame → 224 with cv2 INTER_LINEAR, which is the identity on 224 frames).
"""

from __future__ import annotations

import numpy as np
import pytest

from talkbench import get_metric, load_clip

CASES = [(clip, prot) for clip in ("KatieHill", "AlexandriaOcasioCortez")
         for prot in ("wav2lip_lse", "syncnet_orig")]


@pytest.fixture(scope="module")
def embeddings(calibration):
    return np.load(calibration / "syncnet_embeddings.npz")


@pytest.fixture(scope="module")
def metrics(calib_weights):
    """lse_c and lse_d with the calibration weights given as `--weights syncnet=FILE`."""
    import os

    from talkbench_syncnet.metric import clear_caches

    old = os.environ.get("TALKBENCH_WEIGHTS")
    os.environ["TALKBENCH_WEIGHTS"] = f"syncnet={calib_weights}"
    clear_caches()
    c, d = get_metric("lse_c")(), get_metric("lse_d")()
    c.keep_arrays = d.keep_arrays = True  # one shared computation that also keeps embeddings
    c.load("cpu")
    d.load("cpu")
    yield c, d
    if old is None:
        os.environ.pop("TALKBENCH_WEIGHTS", None)
    else:
        os.environ["TALKBENCH_WEIGHTS"] = old
    clear_caches()


@pytest.mark.parametrize("clip_name,protocol", CASES)
def test_metric_reproduces_reference(clip_name, protocol, calibration, calib_expected, embeddings, metrics):
    exp = calib_expected["clips"][clip_name][protocol]
    clip = load_clip(calibration / exp["video"])
    assert len(clip.audio) == exp["n_audio_samples"] == 64512  # PyAV keeps the AAC tail, as FFmpeg 5.1
    lse_c, lse_d = metrics
    rc = lse_c.compute(clip, None)
    rd = lse_d.compute(clip, None)
    assert rc["offset"] == rd["offset"] == exp["offset"]
    assert rc["n_windows"] == exp["n_windows"] == 95
    assert rc["value"] == pytest.approx(exp["conf"], abs=1e-4)
    assert rd["value"] == pytest.approx(exp["minval"], abs=1e-4)
    np.testing.assert_allclose(rc["mdist"], exp["mdist"], rtol=0, atol=1e-4)
    assert rc["jpeg_source"] == "file"  # the decoder's own YUV planes went through the jpg dump
    # both metrics shared one computation (the cache)
    res = lse_c.sync_result(clip, None)
    assert res is lse_d.sync_result(clip, None)

    key = f"{clip_name}__{protocol}__"
    arr = res.arrays
    # window 0 input: bit-exact (jpg encode/decode + cv2 resize of the reference)
    np.testing.assert_array_equal(arr["window0"].transpose(3, 0, 1, 2), embeddings[key + "lip_in_window0_uint8"][0])
    np.testing.assert_allclose(arr["im"][:10].numpy(), embeddings[key + "im_feat_first10"], rtol=0, atol=1e-5)
    np.testing.assert_allclose(arr["aud"][:10].numpy(), embeddings[key + "cc_feat_first10"], rtol=0, atol=1e-5)
    np.testing.assert_allclose(arr["dists"].numpy(), embeddings[key + "dists"], rtol=0, atol=1e-4)
    # MFCC: PyAV's AAC decoder (libavcodec 62) differs from FFmpeg 5.1's by ±1 LSB on a few
    # samples; on int16-scale MFCC that is ≤ 0.01 and leaves the embeddings within 1e-5 above
    assert arr["mfcc"].shape == tuple(exp["mfcc_shape"])
    np.testing.assert_allclose(arr["mfcc"], embeddings[key + "mfcc"], rtol=0, atol=1e-2)


def test_aligned_audio_window_input(calibration, embeddings):
    """Audio window 0 = MFCC columns 0..19 of int16-scale audio, as float32 (1, 1, 13, 20)."""
    from talkbench_syncnet.scoring import mfcc_int16

    clip = load_clip(calibration / "KatieHill_4s.mp4")
    window = mfcc_int16(clip.audio).T[:, :20].astype(np.float32)
    np.testing.assert_allclose(window, embeddings["KatieHill__wav2lip_lse__aud_in_window0"][0, 0], atol=1e-2)
    # normalising to [-1, 1] (a common mistake) moves c0 by ~log(32768²) — far outside tolerance
    from python_speech_features import mfcc

    wrong = mfcc(clip.audio, 16000).T[:, :20]
    assert np.abs(wrong[0] - window[0]).min() > 10


def test_jpeg_roundtrip_off_is_recorded_and_moves_lse_d(calibration, calib_expected, calib_weights, use_weights):
    """Turning the reference-compatible jpg step off is possible, recorded, and visibly different."""
    use_weights(calib_weights)
    m = get_metric("lse_d")(jpeg_roundtrip=False)
    m.load("cpu")
    exp = calib_expected["clips"]["KatieHill"]["wav2lip_lse"]
    out = m.compute(load_clip(calibration / exp["video"]), None)
    assert m.protocol()["jpeg_roundtrip"] is False
    assert m.protocol()["weights"]["override"] is True
    assert "jpeg_source" not in out
    # PROTOCOL.md: feeding decoded frames moves KatieHill A from 9.94936 to 10.00057
    assert out["value"] == pytest.approx(10.00057, abs=1e-3)
    assert abs(out["value"] - exp["minval"]) > 0.04
