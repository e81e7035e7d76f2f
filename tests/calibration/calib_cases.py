"""How each calibration case computes its rows: ours from talkbench, the reference from the
fixture. Each function takes the shared test-media folder and the Row class."""

from __future__ import annotations

import atexit
import io
import json
import lzma
import shutil
import tempfile
from functools import lru_cache
from pathlib import Path

import numpy as np

SYNCNET_LABELS = {"wav2lip_lse": "A (Wav2Lip scores_LSE, 512→224)", "syncnet_orig": "B (syncnet_python, 224)"}
_TMP = Path(tempfile.mkdtemp(prefix="talkbench_calib_"))  # decompressed weights, removed at exit
atexit.register(shutil.rmtree, _TMP, ignore_errors=True)


def _unxz(src: Path) -> Path:
    dst = _TMP / src.name.removesuffix(".xz")
    if not dst.is_file():
        with lzma.open(src) as f, open(dst, "wb") as out:
            shutil.copyfileobj(f, out, 1 << 20)
    return dst


@lru_cache(maxsize=1)
def _syncnet_metric(weights: str):
    from talkbench import get_metric

    metric = get_metric("lse_c")()  # the lrs preset's values are the metric's defaults (tested)
    metric.load("cpu")
    return metric


def syncnet_lrs_rows(shared: Path, clip: str, prot: str, Row) -> list:
    """lse_c/lse_d under `lrs` on one calibration clip: Wav2Lip's calculate_scores_LRS (A) or
    syncnet_python's evaluate (B); PROTOCOL.md tolerances 1e-4 on LSE, offsets equal."""
    from talkbench import load_clip
    from talkbench.weights import clear_weight_overrides, set_weight_override
    from talkbench_syncnet.metric import clear_caches

    calib = shared / "calibration"
    exp = json.loads((calib / "syncnet_expected.json").read_text())["clips"][clip][prot]
    weights = _unxz(calib / "syncnet_random_seed0.model.xz")
    set_weight_override("syncnet", weights)
    try:
        res = _syncnet_metric(str(weights)).sync_result(load_clip(calib / exp["video"]), None)
    finally:
        clear_weight_overrides()
        clear_caches()  # the per-clip result cache; the loaded metric is reused by the next case
    where = f"calibration/syncnet_expected.json: {clip}, {SYNCNET_LABELS[prot]}"
    return [Row("lse_c", "lrs", "LSE-C", float(exp["conf"]), float(res.lse_c), 1e-4, where),
            Row("lse_d", "lrs", "LSE-D", float(exp["minval"]), float(res.lse_d), 1e-4, where),
            Row("lse_c, lse_d", "lrs", "offset", float(exp["offset"]), float(res.offset), 0.0, where)]


def wav2lip_rows(shared: Path, Row) -> list:
    """The Wav2Lip generator on the fixture's two faces + mel windows (PROTOCOL.md: 1e-5)."""
    import torch

    from talkbench_wav2lip.network import Wav2Lip, load_into

    calib = shared / "calibration"
    with lzma.open(calib / "wav2lip_random_seed0.pth.xz") as f:
        state = torch.load(io.BytesIO(f.read()), map_location="cpu", weights_only=True)
    model = Wav2Lip().eval()
    load_into(model, state, "wav2lip_random_seed0.pth")
    with np.load(calib / "wav2lip_io.npz") as z:
        face, mel, ref = z["face_input"], z["mel_input"], z["output"]
    # the reference's channels-last strides, as its torch.FloatTensor(np.transpose(...)) makes them
    x = torch.from_numpy(np.transpose(np.ascontiguousarray(face.transpose(0, 2, 3, 1)), (0, 3, 1, 2)))
    with torch.no_grad():
        out = model(torch.from_numpy(mel), x).numpy()
    where = "calibration/wav2lip_io.npz: output (2×3×96×96)"
    return [Row("wav2lip", "–", "output mean", float(ref.mean()), float(out.mean()), 1e-6, where),
            Row("wav2lip", "–", "output max abs. difference", 0.0, float(np.abs(out - ref).max()), 1e-5, where)]


def avhubert_rows(shared: Path, Row) -> list:
    """The WER lip reader (AV-HuBERT seq2seq, reduced size) in video mode: encoder output and
    the beam-5 best hypothesis (relative 1e-5; tokens equal; score 1e-5)."""
    import torch

    from talkbench_avhubert.checkpoint import load_checkpoint

    d = shared / "calibration" / "avhubert"
    model = load_checkpoint(_unxz(d / "avhubert_tiny_seq2seq.pt.xz")).build_seq2seq()
    inputs, exp = np.load(d / "avhubert_inputs.npz"), np.load(d / "avhubert_expected.npz")
    ref_json = json.loads((d / "avhubert_expected.json").read_text())["beam_search"]["results"]["video"]
    video = torch.from_numpy(inputs["video_normalized_THW1"])[..., 0][None, None].contiguous()
    mask = torch.zeros(1, video.shape[2], dtype=torch.bool)
    with torch.no_grad():
        enc, _ = model.encode(None, video, mask, {})
        hyps = model.generate(None, video, mask, beam=5, max_len_a=1.0, max_len_b=0, min_len=1, lenpen=1.0)
    ref_enc = exp["encoder_out_video_TBD"]
    rel = float(np.abs(enc.numpy() - ref_enc).max() / np.abs(ref_enc).max())
    tokens, ref_tokens = hyps[0]["tokens"].tolist(), exp["beam_tokens_video"].tolist()
    differing = sum(a != b for a, b in zip(tokens, ref_tokens)) + abs(len(tokens) - len(ref_tokens))
    where = "calibration/avhubert/avhubert_expected.npz: video mode"
    return [Row("wer (lip reader)", "–", "encoder output max rel. difference", 0.0, rel, 1e-5, where),
            Row("wer (lip reader)", "–", "beam-5 best: tokens differing", 0.0, float(differing), 0.0, where),
            Row("wer (lip reader)", "–", "beam-5 best: score", float(ref_json["all_beams"][0]["score"]),
                float(hyps[0]["score"]), 1e-5, where)]


def difftalk_rows(shared: Path, Row) -> list:
    """DiffTalk's UNet ε at t=500 on the reference's own input, EMA weights (atol 2e-5)."""
    import torch

    from talkbench_difftalk.convert import load_difftalk_checkpoint

    d = shared / "calibration" / "difftalk"
    model, _ = load_difftalk_checkpoint(_unxz(d / "difftalk_reduced.ckpt.xz"), d / "difftalk_reduced.yaml")
    ref = np.load(d / "reference_outputs.npz")
    x_in = torch.from_numpy(ref["unet_input_t500"])
    with torch.no_grad():
        eps = model.eps(x_in[:, :3], 500, x_in[:, 3:6], x_in[:, 6:9], torch.from_numpy(ref["context"]),
                        ema=True).numpy()
    where = "calibration/difftalk/reference_outputs.npz: eps_t500_ema"
    return [Row("difftalk", "–", "UNet ε (EMA, t=500) max abs. difference", 0.0,
                float(np.abs(eps - ref["eps_t500_ema"]).max()), 2e-5, where)]
