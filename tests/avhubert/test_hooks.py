"""The plugin's hooks: register_metrics gives wer, register_weights the official files."""

from __future__ import annotations

import pytest

from talkbench.plugins import get_metrics, get_weight_specs
from talkbench_avhubert import WER
from talkbench_avhubert.config import config_from_fairseq


def test_register_metrics_adds_wer():
    assert get_metrics()["wer"] is WER


def test_register_weights_lists_lipreaders_and_tokenizers():
    specs = get_weight_specs()
    for name in ("avhubert-large-vsr-lrs2", "avhubert-large-vsr-lrs2-spm",
                 "avhubert-large-vsr-lrs3", "avhubert-large-vsr-lrs3-spm", "avhubert-base"):
        assert name in specs, name
    assert specs["avhubert-large-vsr-lrs3"].urls[0].startswith("https://dl.fbaipublicfiles.com/avhubert/")
    assert specs["avhubert-base"].filename == "base_vox_iter5.pt"


def test_seq2seq_cfg_without_encoder_args_is_refused():
    with pytest.raises(ValueError, match="no model.w2v_args"):
        config_from_fairseq({"model": {"_name": "av_hubert_seq2seq", "w2v_args": None}, "task": {}})
