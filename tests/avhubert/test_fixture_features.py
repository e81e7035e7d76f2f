"""Model inputs from raw media reproduce the fixture's avhubert_inputs.npz."""

from __future__ import annotations

import numpy as np
import scipy.io.wavfile
import torch

from talkbench_avhubert.features import (audio_features, grey_frames, logfbank_26, stack_frames,
                                         video_input)


def _wav_float(avh_dir):
    sr, wav = scipy.io.wavfile.read(avh_dir / "input_audio_16k_3s.wav")
    assert sr == 16000 and wav.dtype == np.int16
    return wav, wav.astype(np.float32) / 32768.0


def test_wav_matches_fixture_samples(avh_dir, avh_inputs):
    wav, _ = _wav_float(avh_dir)
    np.testing.assert_array_equal(wav, avh_inputs["wav_int16"])


def test_logfbank_and_stacking_match_fixture(avh_dir, avh_inputs):
    _, audio = _wav_float(avh_dir)
    fb = logfbank_26(audio)
    assert fb.shape == (299, 26) and fb.dtype == np.float32
    np.testing.assert_allclose(fb, avh_inputs["logfbank_26"], rtol=1e-6, atol=1e-6)
    stacked = stack_frames(fb, 4)
    assert stacked.shape == (75, 104)
    # 299 frames -> one zero frame of padding at the end of the last group
    np.testing.assert_array_equal(stacked[-1, 78:], 0)
    np.testing.assert_allclose(stacked, avh_inputs["audio_stacked_104"], rtol=1e-6, atol=1e-6)


def test_normalized_audio_features_match_fixture(avh_dir, avh_inputs):
    _, audio = _wav_float(avh_dir)
    feats = audio_features(audio, num_frames=75)
    assert feats.shape == (75, 104) and feats.dtype == torch.float32
    np.testing.assert_allclose(feats.numpy(), avh_inputs["audio_feats_normalized"], rtol=1e-5, atol=1e-5)


def test_int16_input_equals_float_input(avh_dir):
    wav, audio = _wav_float(avh_dir)
    np.testing.assert_array_equal(logfbank_26(wav), logfbank_26(audio))


def test_length_alignment_pads_and_trims_like_reference(avh_dir):
    _, audio = _wav_float(avh_dir)
    longer = audio_features(audio, num_frames=80)
    shorter = audio_features(audio, num_frames=70)
    base = audio_features(audio, num_frames=75)
    assert longer.shape == (80, 104) and shorter.shape == (70, 104)
    torch.testing.assert_close(shorter, base[:70])
    torch.testing.assert_close(longer[:75], base)
    # padded frames are zero before the per-frame norm, so they stay zero after it
    assert torch.count_nonzero(longer[75:]) == 0


def test_video_input_matches_fixture(avh_inputs):
    grey = avh_inputs["video_frames_gray160_uint8"]
    np.testing.assert_array_equal(grey[:, 36:124, 36:124], avh_inputs["video_crop88_uint8"])
    x = video_input(grey)
    assert x.shape == (1, 1, 75, 88, 88) and x.dtype == torch.float32
    np.testing.assert_allclose(x[0, 0].numpy(), avh_inputs["video_normalized_THW1"][..., 0], rtol=0, atol=1e-6)


def test_grey_resize_from_real_video_matches_fixture(realdata, avh_inputs):
    import talkbench

    frames, _ = talkbench.read_frames(realdata / "video" / "sadtalker_WDA_KatieHill_000.mp4")
    grey = grey_frames(frames[:75], resize=160)
    np.testing.assert_array_equal(grey, avh_inputs["video_frames_gray160_uint8"])
