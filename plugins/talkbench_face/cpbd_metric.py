"""``cpbd``: cumulative probability of blur detection (no-reference sharpness) of the generated
frames. Grey = PIL ``convert("L")`` of each RGB frame (what ``imread(mode="L")`` gives the
reference scripts); region: the full frame (default) or the generated face box."""

from __future__ import annotations

from typing import Any

import numpy as np

from talkbench import NEEDS_GENERATED, ClipFailure, Metric, Option

# PIL and cpbd_core (scipy.ndimage, skimage) load in compute(): `talkbench metrics` lists this
# class without them.


class CPBD(Metric):
    name = "cpbd"
    version = "1"
    label = "CPBD"
    higher_is_better = True
    needs = frozenset({NEEDS_GENERATED})
    value_range = (0.0, 1.0)
    description = "CPBD sharpness (cpbd 1.0.7 arithmetic) of the generated frames, no reference"
    options = (
        Option("region", str, "full", "full frame or the generated video's own face box",
               choices=("full", "face")),
        Option("frame_stride", int, 1, "use every k-th frame", min=1),
        Option("face_backend", str, "dlib", "talkbench.faces backend for region=face",
               choices=("dlib", "fan", "auto")),
    )

    def protocol(self) -> dict[str, Any]:
        return dict(self.options, grey="PIL convert('L')", implementation="cpbd 1.0.7 (vectorised)",
                    pooling="mean over frames, mean over clips")

    def compute(self, generated, reference) -> dict[str, Any]:
        from PIL import Image

        from talkbench_face.cpbd_core import cpbd

        frames = generated.frames
        if len(frames) == 0:
            raise ClipFailure(f"clip {generated.id}: no frames")
        idx = np.arange(0, len(frames), self.options["frame_stride"])
        boxes = None
        if self.options["region"] == "face":
            from talkbench.faces import track_faces

            boxes = track_faces(generated, backend=self.options["face_backend"]).boxes
        values = []
        for i in idx:
            f = frames[i]
            if boxes is not None:
                x1, y1, x2, y2 = (int(round(float(v))) for v in boxes[i])
                f = f[max(0, y1):max(y2, y1 + 1), max(0, x1):max(x2, x1 + 1)]
            values.append(cpbd(np.asarray(Image.fromarray(np.ascontiguousarray(f)).convert("L"))))
        return {"value": float(np.mean(values)), "n": int(len(values))}
