"""Print the calibration table (reference vs talkbench) for CALIBRATION.md (beside this file).

    python -m talkbench_syncnet.calibrate [SHARED_CALIBRATION_DIR]

The folder defaults to $TALKBENCH_SHARED/calibration, else ../shared/calibration beside the
checkout (where the tests look too).

Runs lse_c/lse_d on the calibration clips with the seeded-random calibration weights, with
the reference-compatible jpg step on (default) and off, and prints a Markdown table.
"""

from __future__ import annotations

import json
import lzma
import os
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np


def _table(calib: Path) -> str:
    import torch

    from talkbench import get_metric, load_clip
    from talkbench_syncnet.metric import clear_caches

    torch.set_num_threads(1)
    expected = json.loads((calib / "syncnet_expected.json").read_text())
    emb = np.load(calib / "syncnet_embeddings.npz")
    with tempfile.TemporaryDirectory() as tmp:
        weights = Path(tmp) / "syncnet_random_seed0.model"
        with lzma.open(calib / "syncnet_random_seed0.model.xz") as f, open(weights, "wb") as out:
            shutil.copyfileobj(f, out)
        os.environ["TALKBENCH_WEIGHTS"] = f"syncnet={weights}"
        clear_caches()
        rows = ["| clip | protocol | jpg step | offset ref / ours | LSE-C ref | LSE-C ours | LSE-D ref | LSE-D ours "
                "| max abs Δ mdist | max abs Δ embeddings |",
                "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
        for jpeg in (True, False):
            metric = get_metric("lse_c")(jpeg_roundtrip=jpeg)
            metric.keep_arrays = True
            metric.load("cpu")
            for clip_name, prots in expected["clips"].items():
                for prot, exp in prots.items():
                    if not jpeg and prot != "wav2lip_lse":
                        continue
                    res = metric.sync_result(load_clip(calib / exp["video"]), None)
                    key = f"{clip_name}__{prot}__"
                    d_emb = max(np.abs(res.arrays["im"][:10].numpy() - emb[key + "im_feat_first10"]).max(),
                                np.abs(res.arrays["aud"][:10].numpy() - emb[key + "cc_feat_first10"]).max())
                    d_md = np.abs(np.array(res.mdist) - np.array(exp["mdist"])).max()
                    label = {"wav2lip_lse": "A (scores_LSE, 512→224)", "syncnet_orig": "B (syncnet_python, 224)"}[prot]
                    rows.append(
                        f"| {clip_name} | {label} | {'on' if jpeg else 'off'} | {exp['offset']} / {res.offset} "
                        f"| {exp['conf']:.6f} | {res.lse_c:.6f} | {exp['minval']:.6f} | {res.lse_d:.6f} "
                        f"| {d_md:.1e} | {d_emb:.1e} |"
                    )
        clear_caches()
    return "\n".join(rows)


def main() -> None:
    shared = Path(os.environ.get("TALKBENCH_SHARED", Path(__file__).resolve().parents[3] / "shared"))
    calib = Path(sys.argv[1]) if len(sys.argv) > 1 else shared / "calibration"
    print(_table(calib))


if __name__ == "__main__":
    main()
