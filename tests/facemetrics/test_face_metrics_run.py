"""End to end on the demo dataset: offline face metrics give values, FID/FVD/CSIM are
unavailable with file, URL and place, and a resumed run recomputes nothing."""

from __future__ import annotations

from talkbench import read_json
from talkbench.runner import run_benchmark


def test_demo_run_offline_metrics_and_unavailable_ones(tmp_path):
    names = ["lmd", "cpbd", "fid", "fvd", "csim"]
    run_dir = run_benchmark("static", "demo", limit=1, metrics=names, out=tmp_path, progress=False,
                            device="cpu")
    rec = read_json(run_dir / "record.json")
    m = rec["metrics"]
    assert m["lmd"]["status"] == "ok" and m["lmd"]["value"] > 0 and m["lmd"]["protocol"]["face_backend"] == "dlib"
    assert m["cpbd"]["status"] == "ok" and 0 < m["cpbd"]["value"] <= 1
    for name, filename in (("fid", "pt_inception-2015-12-05-6726825d.pth"), ("fvd", "i3d_torchscript.pt"),
                           ("csim", "glintr100.onnx")):
        assert m[name]["status"] == "unavailable" and filename in m[name]["reason"], name
        assert "https://" in m[name]["reason"] and "--weights" in m[name]["reason"], name
    score_file = next((run_dir / "scores").glob("*.json"))
    before = score_file.stat().st_mtime_ns
    run_benchmark("static", "demo", limit=1, metrics=names, out=tmp_path, progress=False, device="cpu")
    assert score_file.stat().st_mtime_ns == before  # cached per-clip results: nothing recomputed
