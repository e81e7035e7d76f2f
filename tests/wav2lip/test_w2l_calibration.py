"""Acceptance: talkbench_wav2lip reproduces the reference Wav2Lip code on the calibration fixture.

Fixture: ../shared/calibration (PROTOCOL.md, "Wav2Lip generator fixture"): seeded random weights
in the official layout, two real 96×96 face inputs, their mel windows, the reference
intermediates and output, and the full mel from librosa 0.7.0.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from talkbench_wav2lip import audio as w2l_audio
from talkbench_wav2lip import crop
from talkbench_wav2lip.network import KeyMismatchError, Wav2Lip, clean_state_dict, load_into

# PROTOCOL.md suggests ~1e-5 on the Wav2Lip output; measured here: 3e-7 (CPU float noise).
OUTPUT_TOL = 1e-5
# Our mel is float64 then cast to float32; the reference (librosa 0.7.0) is float32 throughout.
# Measured max difference: 9.6e-7 over all 80×323 values, edges included (both pad with reflect).
MEL_TOL = 2e-6


def _reference_layout(face_input: np.ndarray) -> torch.Tensor:
    """The fixture's values with the reference's channels-last strides (55296, 1, 576, 6)."""
    nhwc = np.ascontiguousarray(face_input.transpose(0, 2, 3, 1))
    return torch.from_numpy(np.transpose(nhwc, (0, 3, 1, 2)))


def test_checkpoint_has_the_official_layout(w2l_calibration_state):
    sd = w2l_calibration_state["state_dict"]
    assert len(sd) == 352
    own = Wav2Lip().state_dict()
    assert set(sd) == set(own)
    assert all(tuple(sd[k].shape) == tuple(v.shape) for k, v in own.items())
    assert len(clean_state_dict(w2l_calibration_state)) == 352 - 50  # 50 BN num_batches_tracked


def test_output_matches_reference(w2l_calibration_model, w2l_io):
    face = _reference_layout(w2l_io["face_input"])
    assert face.stride() == (55296, 1, 576, 6)
    mel = torch.from_numpy(w2l_io["mel_input"])
    with torch.no_grad():
        out = w2l_calibration_model(mel, face).numpy()
        contiguous = w2l_calibration_model(mel, face.contiguous()).numpy()
    assert out.shape == (2, 3, 96, 96)
    np.testing.assert_allclose(out, w2l_io["output"], atol=OUTPUT_TOL, rtol=0)
    np.testing.assert_allclose(contiguous, w2l_io["output"], atol=OUTPUT_TOL, rtol=0)
    assert float(out.mean()) == pytest.approx(0.4477957, abs=1e-6)
    assert float(out.min()) == pytest.approx(0.1594616, abs=1e-5)
    assert float(out.max()) == pytest.approx(0.7264537, abs=1e-5)


def test_intermediates_match_reference(w2l_calibration_model, w2l_io):
    face = _reference_layout(w2l_io["face_input"])
    with torch.no_grad():
        emb = w2l_calibration_model.audio_encoder(torch.from_numpy(w2l_io["mel_input"])).numpy()
        bottleneck = w2l_calibration_model.encode_face(face)[-1].numpy()
    assert emb.shape == bottleneck.shape == (2, 512, 1, 1)
    np.testing.assert_allclose(emb, w2l_io["audio_embedding"], atol=1e-5, rtol=0)
    np.testing.assert_allclose(bottleneck, w2l_io["face_bottleneck"], atol=1e-5, rtol=0)


def test_audio_path_matters(w2l_calibration_model, w2l_io):
    """The fixture's decoder gain makes a zero mel move the output by 7.5e-4 (PROTOCOL.md)."""
    face = _reference_layout(w2l_io["face_input"])
    with torch.no_grad():
        zero = w2l_calibration_model(torch.zeros(2, 1, 80, 16), face).numpy()
    assert np.abs(zero - w2l_io["output"]).max() == pytest.approx(7.4965e-4, rel=0.02)


def test_mel_matches_librosa_070(w2l_io):
    wav = w2l_io["wav"]
    assert wav.shape == (64512,) and wav.dtype == np.float32
    mel = w2l_audio.melspectrogram(wav)
    assert mel.shape == (80, 323) and mel.dtype == np.float32
    ref = w2l_io["mel_full"]
    # interior and edge columns alike: librosa 0.7.0 pads with reflect, as we do (0.9+ would
    # pad with zeros and move the first/last two columns by up to 0.35)
    np.testing.assert_allclose(mel[:, 2:-2], ref[:, 2:-2], atol=MEL_TOL, rtol=0)
    np.testing.assert_allclose(mel, ref, atol=MEL_TOL, rtol=0)
    assert mel.min() >= -4.0 and mel.max() <= 4.0


def test_mel_windows_match_the_fixture_batch(w2l_io):
    frames = w2l_io["frame_indices"].tolist()
    assert frames == [10, 11]
    starts = w2l_audio.window_starts(100, 323, fps=25.0)
    assert starts[frames].tolist() == w2l_io["mel_starts"].tolist() == [32, 35]
    windows = w2l_audio.mel_windows(w2l_io["mel_full"], 100, fps=25.0)
    assert windows.shape == (100, 1, 80, 16)
    np.testing.assert_array_equal(windows[frames], w2l_io["mel_input"])
    # past the end: the official loop uses the last 16 columns
    assert w2l_audio.window_starts(200, 323)[-1] == 323 - 16


def test_zero_constant_padded_stft_would_fail_the_edges(w2l_io):
    """Guards the tolerance: zero padding (librosa ≥ 0.9) is measurably different at the edges."""
    y = w2l_io["wav"].astype(np.float64)
    emph = np.append(y[0], y[1:] - 0.97 * y[:-1])
    padded = np.pad(emph, 400)
    frame0 = padded[:800] * w2l_audio.periodic_hann(800)
    mel0 = w2l_audio.mel_filterbank() @ np.abs(np.fft.rfft(frame0))
    db = 20 * np.log10(np.maximum(1e-5, mel0)) - 20
    norm = np.clip(8 * (db + 100) / 100 - 4, -4, 4)
    assert np.abs(norm - w2l_io["mel_full"][:, 0]).max() > 1e-3


def test_face_crop_and_mask_match_reference(w2l_io):
    frames = w2l_io["frames_bgr"]
    box = np.array([[0, 0, 512, 512]] * 2)  # centre square of a 512×512 frame = the whole frame
    crops = crop.crop_faces(frames, box)
    np.testing.assert_array_equal(crops, w2l_io["faces_bgr96"])
    x = crop.face_input(crops, crops)
    assert x.shape == (2, 6, 96, 96) and x.dtype == np.float32
    np.testing.assert_array_equal(x, w2l_io["face_input"])
    assert (x[:, :3, 48:] == 0).all() and x[:, 3:, 48:].any()


def test_mel_filterbank_is_slaney():
    fb = w2l_audio.mel_filterbank()
    assert fb.shape == (80, 401)
    freqs = np.linspace(0, 8000, 401)
    assert freqs[fb[0] > 0].min() > 55 and freqs[fb[-1] > 0].max() < 7600
    # norm="slaney": every triangle has area 1 in Hz·(weight) up to discretisation
    areas = fb.sum(axis=1) * (freqs[1] - freqs[0])
    assert np.all(np.abs(areas[10:] - 1) < 0.03)


def test_module_prefix_and_num_batches_tracked_are_accepted(w2l_calibration_state, w2l_io):
    prefixed = {f"module.{k}": v for k, v in w2l_calibration_state["state_dict"].items()
                if not k.endswith("num_batches_tracked")}
    model = Wav2Lip().eval()
    load_into(model, {"state_dict": prefixed}, "prefixed.pth")
    with torch.no_grad():
        out = model(torch.from_numpy(w2l_io["mel_input"]), _reference_layout(w2l_io["face_input"]))
    np.testing.assert_allclose(out.numpy(), w2l_io["output"], atol=OUTPUT_TOL, rtol=0)


def test_mismatched_checkpoint_lists_the_keys(w2l_calibration_state):
    sd = dict(w2l_calibration_state["state_dict"])
    del sd["output_block.1.bias"]
    sd["extra.weight"] = torch.zeros(1)
    sd["audio_encoder.0.conv_block.0.weight"] = torch.zeros(32, 2, 3, 3)
    with pytest.raises(KeyMismatchError) as err:
        load_into(Wav2Lip(), sd, "broken.pth")
    msg = str(err.value)
    assert "broken.pth" in msg and "\n" not in msg
    assert "1 missing: output_block.1.bias" in msg
    assert "1 unexpected: extra.weight" in msg
    assert "audio_encoder.0.conv_block.0.weight (32, 2, 3, 3)≠(32, 1, 3, 3)" in msg


def test_generator_inputs_from_the_mp4_match_the_fixture(calibration, w2l_io):
    """The whole input path from the fixture clip through talkbench.load_clip (PyAV).

    Frames: PyAV decodes the H.264 clip bit-identically to cv2 (PROTOCOL.md), so crops and the
    face input are exact. Audio: PyAV gives float AAC samples (peaking at 1.10 here) where the
    reference read ffmpeg's clipped 16-bit WAV; ``pcm16`` redoes that rounding and clipping,
    after which 18 of 64,512 samples differ by one LSB: the fixture's windows (columns 32–50)
    then agree to 9.5e-7 and the whole mel to 9.1e-4. Without ``pcm16``: 6.5e-3 and 0.37.
    """
    import talkbench
    from talkbench_wav2lip.generator import Wav2LipGenerator

    clip = talkbench.load_clip(calibration / "KatieHill_4s.mp4")
    assert clip.num_frames == 100
    clip.meta["boxes"] = np.tile(np.array([[0, 0, 512, 512]], np.float32), (100, 1))
    gen = Wav2LipGenerator(pads="0,0,0,0", smooth=False)
    inputs = gen.prepare(clip, clip.audio)
    idx = w2l_io["frame_indices"]
    np.testing.assert_array_equal(inputs["faces"][idx], w2l_io["faces_bgr96"])
    np.testing.assert_array_equal(crop.face_input(inputs["faces"][idx], inputs["refs"][idx]), w2l_io["face_input"])
    np.testing.assert_allclose(inputs["mel"][idx], w2l_io["mel_input"], atol=MEL_TOL, rtol=0)
    raw = Wav2LipGenerator(pads="0,0,0,0", smooth=False, pcm16=False).prepare(clip, clip.audio)
    assert np.abs(raw["mel"][idx] - w2l_io["mel_input"]).max() > 1e-3
