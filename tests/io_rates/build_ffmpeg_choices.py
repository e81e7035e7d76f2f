"""Record which source frames the ffmpeg CLI picks at 25 fps (ffmpeg_choices.json).

    python tests/io_rates/build_ffmpeg_choices.py [--realdata ../shared/realdata]

For every frame-numbered clip (rates_clips.py) and the real clips with another rate or an offset
start, three conversions are run with the CLI exactly as the references run them:

* ffmpeg_r25_avi: ``ffmpeg -i IN -async 1 -r 25 video.avi`` then ``ffmpeg -i video.avi -f image2
  frames/%06d...`` (syncnet_python run_pipeline.py; ffv1/rawvideo instead of mpeg4/jpeg so that
  frames can be identified: the codec does not take part in the frame choice)
* ffmpeg_r25: ``ffmpeg -i IN -r 25 OUT.mp4``
* fps_filter: ``ffmpeg -i IN -vf fps=25 OUT.mkv``

Synthetic clips are identified by the index they show; real clips by an exact match of each
output picture (yuv420p bytes) with a decoded source frame (the first one with those bytes).
"""

from __future__ import annotations

import argparse
import glob
import hashlib
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import av

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from rates_clips import build, clip_names, decoded_indices  # noqa: E402

REAL = ("videoretalking_face_1.mp4", "videoretalking_face_4.mp4", "videoretalking_face_2.mp4")


def ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-v", "error", "-y", *args], check=True)


def cli_outputs(src: Path, d: Path, real: bool) -> dict[str, Path | list[Path]]:
    """Run the three conversions; the output files (a frame folder for the avi chain)."""
    audio = ["-c:a", "pcm_s16le"] if real else []
    ffmpeg("-i", str(src), "-async", "1", "-r", "25", "-c:v", "ffv1", *audio, str(d / "video.avi"))
    (d / "frames").mkdir()
    ffmpeg("-i", str(d / "video.avi"), "-f", "image2", "-c:v", "rawvideo", "-pix_fmt",
           "yuv420p" if real else "rgb24", str(d / "frames" / "%06d.raw"))
    codec = ["-c:v", "libx264", "-qp", "0", "-pix_fmt", "yuv420p"] if real else ["-c:v", "libx264rgb", "-qp", "0"]
    ffmpeg("-i", str(src), "-r", "25", *codec, str(d / "r.mp4"))
    ffmpeg("-i", str(src), "-vf", "fps=25", "-c:v", "ffv1", str(d / "fps.mkv"))
    return {"ffmpeg_r25_avi": sorted(Path(p) for p in glob.glob(str(d / "frames" / "*.raw"))),
            "ffmpeg_r25": d / "r.mp4", "fps_filter": d / "fps.mkv"}


def _yuv_hashes(path: Path) -> list[str]:
    with av.open(str(path)) as c:
        return [hashlib.sha1(f.to_ndarray(format="yuv420p").tobytes()).hexdigest() for f in c.decode(video=0)]


def synthetic(folder: Path) -> dict:
    import numpy as np
    from rates_clips import SIZE, index_of

    out = {}
    for name in clip_names():
        src = build(name, folder)
        with tempfile.TemporaryDirectory() as t:
            outs = cli_outputs(src, Path(t), real=False)
            rec = {}
            for policy, o in outs.items():
                if isinstance(o, list):
                    rec[policy] = [index_of(np.frombuffer(p.read_bytes(), np.uint8).reshape(SIZE, SIZE, 3)) for p in o]
                else:
                    rec[policy] = decoded_indices(o)
        out[name] = rec
        print(name, {k: len(v) for k, v in rec.items()})
    return out


def real(realdata: Path) -> dict:
    out = {}
    for name in REAL:
        src = realdata / "video" / name
        src_hashes = _yuv_hashes(src)
        first = {}
        for i, h in enumerate(src_hashes):
            first.setdefault(h, i)
        with tempfile.TemporaryDirectory() as t:
            outs = cli_outputs(src, Path(t), real=True)
            rec = {}
            for policy, o in outs.items():
                hashes = ([hashlib.sha1(p.read_bytes()).hexdigest() for p in o] if isinstance(o, list)
                          else _yuv_hashes(o))
                rec[policy] = [first[h] for h in hashes]  # KeyError: a picture no source frame has
        out[name] = rec
        print(name, {k: len(v) for k, v in rec.items()})
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--realdata", type=Path, default=HERE.parents[2] / "shared" / "realdata")
    args = ap.parse_args()
    version = subprocess.run(["ffmpeg", "-version"], capture_output=True, text=True, check=True).stdout.splitlines()[0]
    with tempfile.TemporaryDirectory() as t:
        data = {"ffmpeg": version, "pyav": av.__version__, "synthetic": synthetic(Path(t)),
                "real": real(args.realdata) if args.realdata.is_dir() else {}}
    (HERE / "ffmpeg_choices.json").write_text(json.dumps(data, separators=(",", ":")) + "\n")
    print("wrote", HERE / "ffmpeg_choices.json", "with", version)


if __name__ == "__main__":
    main()
