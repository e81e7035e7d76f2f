"""talkbench prepare: tracks and crops written per clip, failures summarised, resume."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

import talkbench
from talkbench.datasets.prepare import run_prepare
from talkbench.faces import FaceTrack

SETTINGS = {"backend": "dlib", "no_face": "previous", "smooth": 5, "crops": ["syncdiff", "wav2lip"],
            "device": "cpu", "detect_max_side": 360}


@pytest.fixture(scope="module")
def mixed_folder(tmp_path_factory, realdata) -> Path:
    """One short real face clip and one noise clip without any face."""
    root = tmp_path_factory.mktemp("mixed")
    face = talkbench.load_clip(Path(realdata) / "video" / "videoretalking_face_5.mp4")
    talkbench.write_video(root / "face.mp4", face.frames[:6], 25, face.audio[: 6 * 640], 16000)
    noise = np.random.default_rng(0).integers(0, 256, (4, 64, 64, 3), dtype=np.uint8)
    talkbench.write_video(root / "noise.mp4", noise, 25)
    return root


def test_prepare_writes_tracks_and_crops_and_records_failures(mixed_folder, tmp_path):
    out = tmp_path / "out"
    summary = run_prepare("folder", root=str(mixed_folder), split=None, out=out,
                          settings=SETTINGS, progress=False)
    assert summary["ok"] == 1 and summary["clips"] == 2
    assert [f["clip_id"] for f in summary["failed"]] == ["noise"]
    # the failure names the file, what is wrong and the fix
    err = summary["failed"][0]["error"]
    assert "noise.mp4: no face found in any of its 4 frames; check that the file shows a face" in err
    d = out / "folder" / "test" / "face"
    track = FaceTrack.load(d / "track.npz")
    assert track.num_frames == 6 and track.backend == "dlib" and track.found.all()
    syncdiff = talkbench.read_frames(d / "syncdiff.mp4")[0]
    assert syncdiff.shape == (6, 256, 256, 3)
    assert talkbench.read_frames(d / "wav2lip.mp4")[0].shape == (6, 96, 96, 3)
    assert np.load(d / "syncdiff_boxes.npy").shape == (6, 4)
    done = json.loads((d / "done.json").read_text())
    assert done["status"] == "ok" and done["track"]["stats"]["found"] == 6
    saved = json.loads((out / "folder" / "test" / "summary.json").read_text())
    assert saved["ok"] == 1 and saved["failed"][0]["clip_id"] == "noise"
    # resume: the finished clip is skipped, the failed one is tried again
    again = run_prepare("folder", root=str(mixed_folder), split=None, out=out,
                        settings=SETTINGS, progress=False)
    assert again["skipped"] == 1 and again["ok"] == 0 and len(again["failed"]) == 1
    # other settings are other outputs: redone (from the detection cache)
    other = dict(SETTINGS, crops=["syncnet"])
    redo = run_prepare("folder", root=str(mixed_folder), split=None, out=out, settings=other,
                       progress=False)
    assert redo["ok"] == 1
    assert [r for r in redo["results"] if r["clip_id"] == "face"][0]["cache"] == "hit"
    assert talkbench.read_frames(d / "syncnet.mp4")[0].shape == (6, 224, 224, 3)


def _cli():
    from talkbench.cli import cli, register_plugin_commands

    register_plugin_commands()
    return cli


def test_prepare_command(mixed_folder, tmp_path):
    cli = _cli()
    res = CliRunner().invoke(cli, ["prepare", "--dataset", "folder", "--data-root", str(mixed_folder),
                                   "--backend", "dlib", "--crops", "mouth",
                                   "--out", str(tmp_path / "o"), "--json"])
    assert res.exit_code == 3, res.output  # one clip failed (as run/evaluate: the summary is written)
    summary = json.loads(res.output.strip().splitlines()[-1])
    assert summary["ok"] == 1 and summary["failed"][0]["clip_id"] == "noise"
    rois = talkbench.read_frames(tmp_path / "o" / "folder" / "test" / "face" / "mouth.mp4")[0]
    assert rois.shape == (6, 88, 88, 3)
    res = CliRunner().invoke(cli, ["prepare", "--dataset", "folder", "--data-root", str(mixed_folder),
                                   "--backend", "dlib", "--crops", "mouth", "--out", str(tmp_path / "o")])
    assert res.exit_code == 3 and "1 already done, 1 failed of 2 clips" in res.output
    assert "failures" in res.output and "no face found" in res.output
    allowed = CliRunner().invoke(cli, ["prepare", "--dataset", "folder", "--data-root", str(mixed_folder),
                                       "--backend", "dlib", "--crops", "mouth", "--out", str(tmp_path / "o"),
                                       "--allow-failures"])
    assert allowed.exit_code == 0 and "1 failed of 2 clips" in allowed.output
    bad = CliRunner().invoke(cli, ["prepare", "--dataset", "folder", "--data-root", str(tmp_path / "x")])
    assert bad.exit_code == 2 and "does not exist" in bad.output
    bad = CliRunner().invoke(cli, ["prepare", "--dataset", "folder", "--data-root", str(mixed_folder),
                                   "--crops", "lips"])
    assert bad.exit_code == 2 and "unknown crop kind(s) lips" in bad.output
    bad = CliRunner().invoke(cli, ["prepare", "--dataset", "folder", "--data-root", str(mixed_folder),
                                   "--backend", "fan", "--out", str(tmp_path / "f")])
    assert bad.exit_code == 2 and "weights 'face_alignment_s3fd' missing" in bad.output
    assert not (tmp_path / "f").exists()  # failed before touching a clip


@pytest.mark.slow  # spawning worker processes costs ~25 s on a loaded 2-core machine
def test_prepare_command_with_workers(mixed_folder, tmp_path):
    res = CliRunner().invoke(_cli(), ["prepare", "--dataset", "folder", "--data-root", str(mixed_folder),
                                      "--workers", "2", "--backend", "dlib", "--out", str(tmp_path / "o"),
                                      "--json"])
    assert res.exit_code == 3, res.output
    summary = json.loads(res.output.strip().splitlines()[-1])
    assert summary["ok"] == 1 and summary["failed"][0]["clip_id"] == "noise"
    assert (tmp_path / "o" / "folder" / "test" / "face" / "syncdiff.mp4").is_file()


@pytest.mark.slow
def test_prepare_all_realdata_clips_offline(realdata, tmp_path):
    out = tmp_path / "prepared"
    proc = subprocess.run(
        [sys.executable, "-m", "talkbench.cli", "prepare", "--dataset", "folder", "--data-root",
         str(Path(realdata) / "video"), "--workers", "2", "--out", str(out), "--json"],
        capture_output=True, text=True, timeout=1800,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    summary = json.loads(proc.stdout.strip().splitlines()[-1])
    assert summary["ok"] == 7 and not summary["failed"]
    for d in (out / "folder" / "test").iterdir():
        if d.is_dir():
            assert (d / "track.npz").is_file() and (d / "syncdiff.mp4").is_file()
            assert FaceTrack.load(d / "track.npz").found.mean() >= 0.95


def _face_only(mixed_folder, tmp_path, name="faces"):
    """A folder holding only the face clip (no failures to account for)."""
    import shutil

    root = tmp_path / name
    root.mkdir()
    shutil.copy(mixed_folder / "face.mp4", root / "face.mp4")
    return root


def test_prepare_rerun_with_other_geometry_or_root_recomputes_same_options_resume(mixed_folder, tmp_path):
    root = _face_only(mixed_folder, tmp_path)
    out = tmp_path / "out"
    d = out / "folder" / "test" / "face"
    settings = dict(SETTINGS, crops=["wav2lip"])
    first = run_prepare("folder", root=str(root), split=None, out=out, settings=settings, progress=False)
    assert first["ok"] == 1 and first["redone"] == 0
    done = json.loads((d / "done.json").read_text())
    assert done["inputs"]["geometry"] == {"wav2lip": {"pads": [0, 10, 0, 0], "size": 96}}
    assert done["inputs"]["root"] == str(root) and done["inputs"]["format"] == 2
    same = run_prepare("folder", root=str(root), split=None, out=out, settings=settings, progress=False)
    assert same["skipped"] == 1 and same["ok"] == 0  # the same options resume
    # another geometry: recomputed, never the old 96² crops
    other = dict(settings, geometry={"wav2lip": {"size": 64, "pads": (0, 20, 0, 0)}})
    redo = run_prepare("folder", root=str(root), split=None, out=out, settings=other, progress=False)
    assert redo["ok"] == 1 and redo["skipped"] == 0 and redo["redone"] == 1
    assert redo["results"][0]["redone"] == ["geometry"]
    assert talkbench.read_frames(d / "wav2lip.mp4")[0].shape == (6, 64, 64, 3)
    assert json.loads((d / "done.json").read_text())["inputs"]["geometry"]["wav2lip"] == {
        "pads": [0, 20, 0, 0], "size": 64}
    assert run_prepare("folder", root=str(root), split=None, out=out, settings=other,
                       progress=False)["skipped"] == 1
    # the same clip id read from another root is another clip: redone
    moved = _face_only(mixed_folder, tmp_path, "elsewhere")
    again = run_prepare("folder", root=str(moved), split=None, out=out, settings=other, progress=False)
    assert again["ok"] == 1 and again["results"][0]["redone"] == ["root"]
    # other crop kinds: the earlier kind's files do not stay next to a done.json that omits them
    mouth = run_prepare("folder", root=str(moved), split=None, out=out,
                        settings=dict(SETTINGS, crops=["mouth"]), progress=False)
    assert sorted(mouth["results"][0]["redone"]) == ["crops", "geometry"]
    assert (d / "mouth.mp4").is_file() and not (d / "wav2lip.mp4").exists()
    assert not (d / "wav2lip_boxes.npy").exists()


def test_prepare_outputs_of_an_older_version_are_redone(mixed_folder, tmp_path):
    root = _face_only(mixed_folder, tmp_path)
    out = tmp_path / "out"
    settings = dict(SETTINGS, crops=["none"])
    run_prepare("folder", root=str(root), split=None, out=out, settings=settings, progress=False)
    done_path = out / "folder" / "test" / "face" / "done.json"
    from talkbench.hashing import sha256_json

    # what talkbench wrote before the key held the geometry and root: a hash of the settings only
    done_path.write_text(json.dumps({"settings": sha256_json(SETTINGS | {"crops": ["none"]})[:16]}))
    redo = run_prepare("folder", root=str(root), split=None, out=out, settings=settings, progress=False)
    assert redo["ok"] == 1 and redo["results"][0]["redone"] == ["unknown"]


def test_prepare_command_geometry_option_and_its_errors(mixed_folder, tmp_path):
    cli = _cli()
    root = _face_only(mixed_folder, tmp_path)
    base = ["prepare", "--dataset", "folder", "--data-root", str(root), "--backend", "dlib",
            "--crops", "syncdiff", "--out", str(tmp_path / "o")]
    res = CliRunner().invoke(cli, base + ["--geometry", "syncdiff.size=128"])
    assert res.exit_code == 0, res.output
    crops = talkbench.read_frames(tmp_path / "o" / "folder" / "test" / "face" / "syncdiff.mp4")[0]
    assert crops.shape == (6, 128, 128, 3)
    res = CliRunner().invoke(cli, base)  # back to the default 256²: redone, and said so
    assert res.exit_code == 0 and "1 clip(s) redone: earlier outputs had other geometry" in res.output
    assert "1 prepared, 0 already done" in res.output
    bad = CliRunner().invoke(cli, base + ["--geometry", "syncdiff.zoom=2"])
    assert bad.exit_code == 2 and "syncdiff has no parameter 'zoom'; use size, scale, smooth" in bad.output
    bad = CliRunner().invoke(cli, base + ["--geometry", "wav2lip.pads=1,2"])
    assert bad.exit_code == 2 and "must look like wav2lip.pads=0,10,0,0" in bad.output
    bad = CliRunner().invoke(cli, base + ["--geometry", "wav2lip.size=64"])
    assert bad.exit_code == 2
    assert "--geometry for wav2lip but --crops does not write it; add it to --crops" in bad.output
    assert "--geometry" in CliRunner().invoke(cli, ["prepare", "--help"]).output


def test_prepare_redoes_a_clip_whose_video_changed_and_keys_the_backend_weights(mixed_folder, tmp_path):
    root = _face_only(mixed_folder, tmp_path)
    out = tmp_path / "out"
    settings = dict(SETTINGS, crops=["wav2lip"])
    first = run_prepare("folder", root=str(root), split=None, out=out, settings=settings, progress=False)
    done = json.loads((out / "folder" / "test" / "face" / "done.json").read_text())
    from talkbench.hashing import sha256_file

    assert done["inputs"]["source"] == "file:" + sha256_file(root / "face.mp4")
    (name, digest), = done["inputs"]["backend_weights"]  # dlib's 68-point predictor
    assert name.endswith(".dat") and len(digest) == 64
    assert first["ok"] == 1
    # the same id, other pixels (a re-encoded or replaced video): never the old track and crops
    clip = talkbench.load_clip(root / "face.mp4")
    talkbench.write_video(root / "face.mp4", clip.frames[::-1].copy(), 25, clip.audio, 16000)
    redo = run_prepare("folder", root=str(root), split=None, out=out, settings=settings, progress=False)
    assert redo["ok"] == 1 and redo["results"][0]["redone"] == ["source"]
    assert run_prepare("folder", root=str(root), split=None, out=out, settings=settings,
                       progress=False)["skipped"] == 1
