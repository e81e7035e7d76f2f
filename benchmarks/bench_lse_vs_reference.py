"""talkbench's LSE-C/LSE-D against the reference scorer, side by side, as one JSON line.

    python benchmarks/bench_lse_vs_reference.py --syncnet-python ~/src/syncnet_python \\
        --wav2lip ~/src/Wav2Lip [--clips a.mp4 b.mp4 ...] [--rounds 1] [--ffmpeg /path/to/ffmpeg]

The reference is Wav2Lip's evaluation/scores_LSE (``SyncNetInstance_calc_scores.SyncNetInstance
.evaluate``, the call calculate_scores_LRS makes per video, with its defaults batch 20, vshift 15)
plus syncnet_python's ``SyncNetModel``, imported unmodified from the two checkouts; only
``.cuda()`` is made a no-op from this wrapper so it runs on CPU. Both sides use the calibration
SyncNet (official layout, seeded random weights: the same cost as syncnet_v2.model).

Each side runs in its own worker process (so peak memory is per side), loads its model once,
and scores the same clips; calls alternate (ref, talkbench / talkbench, ref ...) so that a change
in machine load hits both. talkbench is timed as ``load_clip`` + ``lse_c`` + ``lse_d`` with its
result cache cleared; the reference as ``evaluate`` (ffmpeg jpg dump + wav + SyncNet). CPU time
includes ffmpeg child processes. The first call of each worker is a warm-up (not timed).
The reference's jpg dump depends on the ffmpeg build (the calibration fixtures used FFmpeg 5.1);
``max_abs_dlse_vs_reference`` is only a pure talkbench-vs-reference difference with that build.
``max_abs_dlse_vs_plain_net`` compares talkbench's fast network with the plain SyncNet module.
"""

from __future__ import annotations

import argparse
import json
import lzma
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("TALKBENCH_SHARED", REPO.parent / "shared"))
DEFAULT_CLIPS = [SHARED / "realdata" / "video" / "sadtalker_WDA_KatieHill_000.mp4",
                 SHARED / "realdata" / "video" / "sadtalker_WDA_AlexandriaOcasioCortez_000.mp4",
                 SHARED / "calibration" / "KatieHill_4s.mp4",
                 SHARED / "calibration" / "AlexandriaOcasioCortez_4s.mp4"]


def _cpu() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def _peak_mb() -> dict:
    # the worker's own peak RSS (ffmpeg children are left out: a fork's RSS counts the parent's pages)
    return {"peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}


def _reply(obj: dict) -> None:
    sys.stdout.write("@@" + json.dumps(obj) + "\n")
    sys.stdout.flush()


def _reference_scorer(args, weights: Path):
    import torch

    torch.nn.Module.cuda = lambda self, *a, **k: self  # CPU run; the reference code is untouched
    torch.Tensor.cuda = lambda self, *a, **k: self
    if args.threads:
        torch.set_num_threads(args.threads)
    sys.path[:0] = [str(Path(args.wav2lip) / "evaluation" / "scores_LSE"), str(Path(args.syncnet_python))]
    from SyncNetInstance_calc_scores import SyncNetInstance  # noqa: E402  (from the checkout)

    inst = SyncNetInstance()
    inst.loadParameters(str(weights))
    work = Path(tempfile.mkdtemp(prefix="ref_lse."))
    opt = argparse.Namespace(initial_model=str(weights), batch_size=20, vshift=15, data_root=str(work),
                             tmp_dir=str(work), reference="bench")

    def score(path: str) -> dict:
        offset, conf, minval = inst.evaluate(opt, videofile=path)
        return {"offset": int(offset), "lse_c": float(conf), "lse_d": float(minval)}

    return score, None


def _talkbench_scorer(args, weights: Path):
    os.environ["TALKBENCH_WEIGHTS"] = f"syncnet={weights}"
    import torch

    from talkbench import get_metric, load_clip
    from talkbench_syncnet import metric as syncnet_metric

    try:
        from talkbench.threads import apply_threads  # chooses torch's intra-op threads
        threads = apply_threads(args.threads or None)
    except ImportError:
        torch.set_num_threads(args.threads or torch.get_num_threads())
        threads = torch.get_num_threads()
    lse_c, lse_d = get_metric("lse_c")(), get_metric("lse_d")()
    lse_c.load("cpu")
    lse_d.load("cpu")

    def score(path: str) -> dict:
        syncnet_metric.RESULTS.clear()
        clip = load_clip(path)
        c, d = lse_c.compute(clip, None), lse_d.compute(clip, None)
        return {"offset": int(c["offset"]), "lse_c": float(c["value"]), "lse_d": float(d["value"])}

    def plain(path: str) -> dict:
        """The same clip through the plain SyncNet module (untimed identical-numbers check)."""
        from talkbench_syncnet.model import load_syncnet

        fast = lse_c.net
        lse_c.net = lse_d.net = load_syncnet(weights)
        try:
            return score(path)
        finally:
            lse_c.net = lse_d.net = fast

    return score, (plain, threads)


def worker(args) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="bench_lse."))
    weights = tmp / "syncnet_random_seed0.model"
    with lzma.open(SHARED / "calibration" / "syncnet_random_seed0.model.xz") as f, open(weights, "wb") as out:
        shutil.copyfileobj(f, out)
    if args.ffmpeg:
        bindir = tmp / "bin"
        bindir.mkdir()
        (bindir / "ffmpeg").symlink_to(Path(args.ffmpeg).resolve())
        os.environ["PATH"] = f"{bindir}{os.pathsep}{os.environ['PATH']}"
    import torch

    make = _reference_scorer if args.worker == "reference" else _talkbench_scorer
    score, extra = make(args, weights)
    _reply({"ready": True, "threads": torch.get_num_threads()})
    for line in sys.stdin:
        cmd = json.loads(line)
        if cmd["op"] == "score":
            w, c = time.perf_counter(), _cpu()
            out = score(cmd["clip"])
            out.update(wall_s=time.perf_counter() - w, cpu_s=_cpu() - c)
            _reply(out)
        elif cmd["op"] == "plain":
            _reply(extra[0](cmd["clip"]))
        else:
            _reply(_peak_mb())
            break
    shutil.rmtree(tmp, ignore_errors=True)


class _Worker:
    def __init__(self, role: str, args) -> None:
        cmd = [sys.executable, __file__, "--worker", role, "--syncnet-python", args.syncnet_python,
               "--wav2lip", args.wav2lip, "--threads", str(args.ref_threads if role == "reference" else args.threads)]
        if args.ffmpeg:
            cmd += ["--ffmpeg", args.ffmpeg]
        self.p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.info = self._read()

    def _read(self) -> dict:
        for line in self.p.stdout:
            if line.startswith("@@"):
                return json.loads(line[2:])
        raise RuntimeError(f"benchmark worker exited with {self.p.wait()}")

    def ask(self, op: str, clip: str = "") -> dict:
        self.p.stdin.write(json.dumps({"op": op, "clip": clip}) + "\n")
        self.p.stdin.flush()
        return self._read()


def _ffmpeg_version(path: str | None) -> str:
    exe = path or shutil.which("ffmpeg")
    if not exe:
        raise SystemExit("ffmpeg not found: the reference calls the ffmpeg CLI; pass --ffmpeg PATH "
                         "(e.g. from `pip install imageio-ffmpeg`) or install ffmpeg")
    return subprocess.run([exe, "-version"], capture_output=True, text=True).stdout.split("\n")[0]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--syncnet-python", required=True, help="checkout of joonson/syncnet_python")
    ap.add_argument("--wav2lip", required=True, help="checkout of Rudrabha/Wav2Lip")
    ap.add_argument("--clips", nargs="+", default=[str(c) for c in DEFAULT_CLIPS])
    ap.add_argument("--rounds", type=int, default=1, help="timed passes over the clips")
    ap.add_argument("--ffmpeg", help="ffmpeg binary for the reference (default: the one on PATH)")
    ap.add_argument("--threads", type=int, default=0, help="talkbench threads (0: talkbench's default)")
    ap.add_argument("--ref-threads", type=int, default=0, help="reference threads (0: torch's default)")
    ap.add_argument("--worker", choices=("reference", "talkbench"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        return worker(args)
    for need in (Path(args.syncnet_python) / "SyncNetModel.py",
                 Path(args.wav2lip) / "evaluation" / "scores_LSE" / "SyncNetInstance_calc_scores.py"):
        if not need.is_file():
            raise SystemExit(f"{need}: not found; pass the checkout roots of syncnet_python and Wav2Lip")
    ffmpeg = _ffmpeg_version(args.ffmpeg)
    load_before = os.getloadavg()
    ref, tb = _Worker("reference", args), _Worker("talkbench", args)
    ref.ask("score", args.clips[0]), tb.ask("score", args.clips[0])  # warm-up
    rows = []
    for r in range(args.rounds):
        for i, clip in enumerate(args.clips):
            pair = {}
            for who in ((ref, tb) if (r + i) % 2 == 0 else (tb, ref)):
                pair["ref" if who is ref else "tb"] = who.ask("score", clip)
            rows.append((clip, pair))
    load_after = os.getloadavg()
    plain = {clip: tb.ask("plain", clip) for clip in args.clips}
    peaks = {"reference": ref.ask("quit"), "talkbench": tb.ask("quit")}
    tot = {k: sum(p[k]["wall_s"] for _, p in rows) for k in ("ref", "tb")}
    cpu = {k: sum(p[k]["cpu_s"] for _, p in rows) for k in ("ref", "tb")}
    dlse = max(abs(p["tb"][m] - p["ref"][m]) for _, p in rows for m in ("lse_c", "lse_d"))
    dplain = max(abs(p["tb"][m] - plain[c][m]) for c, p in rows for m in ("lse_c", "lse_d"))
    print(json.dumps({
        "bench": "lse_vs_reference", "clips": len(rows), "clip_files": [Path(c).name for c in args.clips],
        "reference_clips_per_s": round(len(rows) / tot["ref"], 4),
        "talkbench_clips_per_s": round(len(rows) / tot["tb"], 4),
        "ratio_wall": round(tot["ref"] / tot["tb"], 3),
        "ratio_cpu": round(cpu["ref"] / cpu["tb"], 3),
        "ratio_wall_median_pair": round(statistics.median(p["ref"]["wall_s"] / p["tb"]["wall_s"] for _, p in rows), 3),
        "reference_cpu_s_per_clip": round(cpu["ref"] / len(rows), 2),
        "talkbench_cpu_s_per_clip": round(cpu["tb"] / len(rows), 2),
        "peak_mb": peaks,
        "max_abs_dlse_vs_reference": dlse,
        "offsets_equal": all(p["tb"]["offset"] == p["ref"]["offset"] for _, p in rows),
        "max_abs_dlse_vs_plain_net": dplain,
        "offsets_equal_plain": all(p["tb"]["offset"] == plain[c]["offset"] for c, p in rows),
        "threads": {"reference": ref.info["threads"], "talkbench": tb.info["threads"]},
        "reference_ffmpeg": ffmpeg, "loadavg_before": load_before, "loadavg_after": load_after,
        "cpus": os.cpu_count(),
    }))


if __name__ == "__main__":
    main()
