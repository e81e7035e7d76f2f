"""The fan backend (face-alignment) with seeded random weights in face-alignment's file layout.

The model runs in a subprocess with NUMBA_DISABLE_JIT=1: face-alignment's heatmap decoding is
numba-jitted and compiling it costs ~30 s on a loaded 2-core CI machine, while interpreted it
takes milliseconds for one face. TORCH_HOME points at an empty folder that must stay empty:
proof that nothing was downloaded.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from talkbench import WeightsMissingError

SCRIPT = r"""
import json, os, sys
import numpy as np, torch
torch.set_num_threads(1)
from face_alignment.models import FAN
from face_alignment.detection.sfd.net_s3fd import s3fd

wdir = sys.argv[1]
torch.manual_seed(0)
torch.save(FAN(4).state_dict(), os.path.join(wdir, "2DFAN4-11f355bf06.pth.tar"))
sd = s3fd().state_dict()
# a random S3FD scores every anchor near 0.5; push its face logits up so that it reports faces
for k in sd:
    if "mbox_conf" in k:
        if k.endswith("weight"):
            sd[k].zero_()
        else:
            sd[k] = torch.full_like(sd[k], -10.0)
            sd[k][-1] = 10.0
torch.save(sd, os.path.join(wdir, "s3fd-619a316812.pth"))

from talkbench.faces import choose_backend, track_faces
from talkbench.faces.backends import make_backend
import talkbench

be = make_backend("fan")
be.max_faces = 1
be.fa.flip_input = False   # one FAN pass per face keeps the CPU test short
frame = np.random.default_rng(0).integers(0, 256, (64, 64, 3), dtype=np.uint8)
dets = be.detect(frame)
clip = talkbench.Clip(id="r", frames_source=frame[None])
picked = choose_backend(clip, "auto")
print(json.dumps({
    "n": len(dets),
    "shapes": [list(d.landmarks.shape) for d in dets],
    "finite": bool(all(np.isfinite(d.landmarks).all() for d in dets)),
    "box": [float(v) for v in dets[0].box] if dets else None,
    "version": be.version,
    "auto": picked[0],
}))
"""


def test_fan_runs_with_seeded_random_weights_and_never_downloads(tmp_path):
    wdir = tmp_path / "w"
    wdir.mkdir()
    torch_home = tmp_path / "torch_home"
    torch_home.mkdir()
    weights = (f"face_alignment_s3fd={wdir / 's3fd-619a316812.pth'},"
               f"face_alignment_2dfan4={wdir / '2DFAN4-11f355bf06.pth.tar'}")
    env = dict(os.environ, NUMBA_DISABLE_JIT="1", TORCH_HOME=str(torch_home),
               TALKBENCH_WEIGHTS=weights, TALKBENCH_HOME=str(tmp_path / "home"))
    proc = subprocess.run([sys.executable, "-c", SCRIPT, str(wdir)], env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["n"] == 1 and out["shapes"] == [[68, 2]] and out["finite"]
    assert out["version"].startswith("face_alignment-") and "+2dfan4:" in out["version"]
    assert out["auto"] == "fan"  # weights present → auto picks the paper's backend
    assert not any(torch_home.rglob("*")), "face-alignment tried to download into TORCH_HOME"
    # the FAN file reached face-alignment through talkbench's private torch-hub folder
    link = tmp_path / "home" / "faces" / "torch_hub" / "checkpoints" / "2DFAN4-11f355bf06.pth.tar"
    assert link.is_symlink() and Path(os.readlink(link)) == wdir / "2DFAN4-11f355bf06.pth.tar"


def test_fan_without_weights_is_a_one_line_error_naming_file_url_and_place(monkeypatch, tmp_path):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "empty_torch"))
    monkeypatch.delenv("TALKBENCH_WEIGHTS", raising=False)
    from talkbench.faces.backends import make_backend

    with pytest.raises(WeightsMissingError) as err:
        make_backend("fan")
    msg = str(err.value)
    assert "s3fd-619a316812.pth" in msg and "https://www.adrianbulat.com/downloads/python-fan/" in msg
    assert "--weights face_alignment_s3fd=PATH" in msg and "\n" not in msg


def test_fan_weight_specs_are_registered_through_the_hook():
    from talkbench.plugins import get_weight_specs

    specs = get_weight_specs()
    s3fd, fan = specs["face_alignment_s3fd"], specs["face_alignment_2dfan4"]
    assert s3fd.filename == "s3fd-619a316812.pth" and fan.filename == "2DFAN4-11f355bf06.pth.tar"
    assert fan.urls == ("https://www.adrianbulat.com/downloads/python-fan/2DFAN4-11f355bf06.pth.tar",)
    assert any(p.endswith("hub/checkpoints/2DFAN4-11f355bf06.pth.tar") for p in fan.also_at)
