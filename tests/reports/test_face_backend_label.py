"""A face backend chosen instead of the protocol's detector is named in the table, not hidden."""

from __future__ import annotations

from talkbench.reports import build_table, render

from reports_fakes import make_record


def test_explicit_face_backend_is_labelled_in_header_and_footnote():
    dlib = {"face_backend": "dlib", "table_note": "dlib face boxes", "table_label": "PSNR (dlib faces)"}
    recs = [make_record("static", "lrs2", {"psnr": 30.0, "ssim": 0.9},
                        protocol={"psnr": dlib, "ssim": dict(dlib, table_label="SSIM (dlib faces)")}),
            make_record("static", "lrs3", {"psnr": 31.0}, protocol={"psnr": {"face_backend": "fan"}})]
    t = build_table(recs, metrics=["psnr", "ssim"])
    heads = {(c.dataset, c.metric): c.header for c in t.columns}
    assert heads[("lrs2", "psnr")] == "PSNR (dlib face boxes)"
    assert heads[("lrs2", "ssim")] == "SSIM (dlib face boxes)"
    assert heads[("lrs3", "psnr")] == "PSNR"  # the protocol's own detector: no mark
    notes = [n for n in t.notes if "dlib face boxes" in n]
    assert len(notes) == 1 and "PSNR and SSIM" in notes[0] and "not comparable to published numbers" in notes[0]
    assert "PSNR (dlib face boxes)" in render(t, "markdown")
