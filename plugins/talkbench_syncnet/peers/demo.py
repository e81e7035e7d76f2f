"""``protocol=syncnet-demo``: syncnet_python's demo_syncnet.py (SyncNetInstance.evaluate on a file).

The video must already be a 224×224 face crop (demo's data/example.avi); nothing is detected,
tracked, cropped or resized, and nothing is converted: the file's native frames are taken as
25 fps (a 30 fps file is scored frame for frame against 25 fps windows of audio, as the demo
does). Frames: ``ffmpeg -i V -threads 1 -f image2`` jpgs read with cv2.imread; audio
``-async 1 -ac 1 -vn -acodec pcm_s16le -ar 16000``. One result per clip (fixture:
tests/fixtures/syncnet_demo). The calibration's protocol B is this path.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from talkbench import ClipFailure

from talkbench_syncnet.peers.common import score_file

REFERENCE = "joonson/syncnet_python demo_syncnet.py (SyncNetInstance.evaluate) @ 6efbb1c"


def run_demo(video: Path, net, *, device: str = "cpu", label: str = "") -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="talkbench_syncnet_demo_") as tmp:
        try:
            scored = score_file(net, Path(video), Path(tmp), jpg_args=("-threads", "1"), device=device,
                                audio_args=("-async", "1", "-ac", "1", "-vn", "-acodec", "pcm_s16le", "-ar", "16000"))
        except ClipFailure as exc:
            raise ClipFailure(f"{label or video}: {exc}") from None
    return {"offset": scored["offset"], "lse_c": scored["lse_c"], "lse_d": scored["lse_d"],
            "tracks": [{"start": 0, "end": scored["jpgs"] - 1, **scored}], "frames": scored["jpgs"],
            "combine": "one (the whole file)"}
