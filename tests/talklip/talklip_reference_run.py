"""talkbench's ``talklip`` generator on the golden fixture's inputs (tests/fixtures/talklip_generator).

Shared by the fixture test and the calibration summary: regenerates the seeded BASE weights
(checking their digest against the fixture's), runs the generator and returns its network
output and frames next to what TalkLip's own inf_test.py produced.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "talklip_generator"
NAME = "katiehill_12f"


def read_bgr(path: Path) -> np.ndarray:
    """As TalkLip's load_video: every frame cv2.VideoCapture gives, BGR."""
    import cv2

    cap = cv2.VideoCapture(str(path))
    frames = []
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        frames.append(frame)
    cap.release()
    return np.stack(frames)


def load_reference(preset: str = "base") -> tuple[dict, dict]:
    """(expected.json, expected.npz) of the BASE run, or ``expected_tiny.*`` for the tiny one."""
    suffix = "" if preset == "base" else f"_{preset}"
    meta = json.loads((FIXTURE / f"expected{suffix}.json").read_text())
    for name, digest in meta["inputs_sha256"].items():
        got = hashlib.sha256((FIXTURE / "inputs" / name).read_bytes()).hexdigest()
        assert got == digest, f"{FIXTURE / 'inputs' / name}: sha256 {got} is not the fixture's {digest}"
    assert meta["preset"] == preset
    with np.load(FIXTURE / f"expected{suffix}.npz") as npz:
        return meta, {k: npz[k] for k in npz.files}


def state_digest(state) -> str:
    h = hashlib.sha256()
    for key in sorted(state):
        h.update(key.encode())
        h.update(state[key].detach().cpu().contiguous().numpy().tobytes())
    return h.hexdigest()


def run_talkbench(tmp: Path, meta: dict):
    """(clip, network output (N, 3, 96, 96), generated RGB frames) for the fixture's clip."""
    import torch
    from scipy.io import wavfile

    import talkbench
    from talkbench_talklip.generator import TalkLipGenerator
    from talklip_helpers import official_state, write_seeded_talklip

    state = official_state(seed=meta["seed"], preset=meta["preset"])
    assert state_digest(state) == meta["state_digest"], "seeded weights differ from the fixture's"
    ckpt = write_seeded_talklip(Path(tmp) / f"talklip_{meta['preset']}_seed0.pth", state=state)
    del state
    bgr = read_bgr(FIXTURE / "inputs" / f"{NAME}.mp4")
    assert bgr.shape == tuple(meta["frames_shape"])
    rate, wav = wavfile.read(FIXTURE / "inputs" / f"{NAME}.wav")
    assert rate == 16000 and wav.dtype == np.int16
    boxes = np.load(FIXTURE / "inputs" / f"{NAME}.npy").astype(np.float32)
    clip = talkbench.Clip(id=NAME, frames_source=np.ascontiguousarray(bgr[..., ::-1]),
                          audio_source=wav.astype(np.float32) / 32768.0, meta={"boxes": boxes})
    gen = TalkLipGenerator()  # defaults = inf_test.py: first-frame identity, no pads, no smoothing
    gen.load("cpu", ckpt)
    preds = []
    decode = gen.decode
    gen.decode = lambda inputs, batch, faces: preds.append(decode(inputs, batch, faces)) or preds[-1]
    out = gen.generate(clip, clip.audio).frames
    return clip, torch.cat(preds).cpu().numpy(), out


def frame_difference(out: np.ndarray, exp: dict) -> np.ndarray:
    """|talkbench − reference| grey levels inside the boxes' union (BGR, as the reference wrote)."""
    x1, y1, x2, y2 = exp["frames_region_xyxy"]
    return np.abs(out[:, y1:y2, x1:x2, ::-1].astype(np.int16) - exp["frames_region_bgr"].astype(np.int16))
