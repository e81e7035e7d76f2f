import pytest

from talkbench import OptionError
from syncdiff_model.config import load_preset
from syncdiff_model.talkbench_trainer import SyncDiffTrainer


def test_paper_preset_matches_the_paper():
    c = load_preset("paper")
    assert (c.image_size, c.latent_size, c.batch_size, c.epochs) == (256, 64, 8, 200)
    assert (c.sampler, c.steps, c.audio, c.avhubert_config, c.freeze_layers) == ("ddim", 200, "avhubert", "base", 9)
    assert (c.num_prev, c.reference, c.unet_in_channels) == (1, "rnd+prv-", 10)
    assert c.vq.block_out_channels == [128, 256, 512]  # 3 levels: downsampling factor 4


def test_tiny_preset_is_small():
    c = load_preset("tiny")
    assert (c.image_size, c.latent_size, c.avhubert_config) == (64, 16, "tiny")


@pytest.mark.parametrize("reference,num_prev,channels", [
    ("rnd", 1, 9), ("prv", 1, 9), ("prv-", 1, 7), ("rnd+prv-", 1, 10),
    ("rnd+prv-", 5, 14), ("rnd+prv-", 10, 19), ("prv", 5, 21), ("prv-", 10, 16),
])
def test_unet_input_channels_follow_the_switches(reference, num_prev, channels):
    assert load_preset("tiny", reference=reference, num_prev=num_prev).unet_in_channels == channels


@pytest.mark.parametrize("key,value,msg", [
    ("reference", "prev", "reference='prev' must be one of rnd, prv, prv-, rnd+prv-"),
    ("num_prev", 3, "num_prev=3 must be one of 1, 5, 10"),
    ("audio", "mel", "audio='mel' must be one of avhubert, deepspeech"),
    ("freeze_layers", 13, "freeze_layers=13 must be in 0..12"),
])
def test_bad_switch_is_one_line(key, value, msg):
    with pytest.raises(OptionError, match="^syncdiff: " + msg.replace("+", r"\+").replace("(", r"\(")):
        load_preset("tiny", **{key: value})


def test_trainer_options_reach_the_config():
    t = SyncDiffTrainer(preset="paper", reference="prv", num_prev="5", freeze_layers="6", sampler="dpmsolver", steps="20")
    c = t.config()
    assert (c.reference, c.num_prev, c.freeze_layers, c.sampler, c.steps, c.image_size) == ("prv", 5, 6, "dpmsolver", 20, 256)
    with pytest.raises(OptionError, match="must be one of"):
        SyncDiffTrainer(reference="xyz")
    assert set(SyncDiffTrainer.presets) == {"paper", "tiny"}
