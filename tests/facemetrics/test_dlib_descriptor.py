"""The offline dlib descriptor's speed-ups keep dlib's own numbers: the batched call with
identical chips computed once equals dlib's one-chip-at-a-time path on real frames."""

from __future__ import annotations

import dlib
import numpy as np

from talkbench import Clip, load_clip
from talkbench.faces import track_faces
from talkbench_face.embedders import DlibDescriptor

N = 4


def test_batched_deduplicated_descriptors_equal_dlib_per_frame(realdata):
    frames = load_clip(realdata / "video" / "sadtalker_WDA_KatieHill_000.mp4").frames[:N]
    frames = np.concatenate([frames, frames[:2]])  # two repeated frames: computed once
    track = track_faces(Clip(id="k", frames_source=frames,
                             audio_source=np.zeros(640 * len(frames), np.float32)), backend="dlib")
    emb = DlibDescriptor()
    calls = []
    real = emb.net

    class Counting:
        def compute_face_descriptor(self, batch):
            calls.append(len(batch))
            return real.compute_face_descriptor(batch)

    emb.net = Counting()
    got = emb.embed(frames, track.landmarks, track.boxes)
    assert calls == [N]  # one batched call over the distinct chips
    want = []
    for frame, lm, box in zip(frames, track.landmarks, track.boxes):
        chip = dlib.get_face_chip(np.ascontiguousarray(frame), DlibDescriptor.shape(lm, box), size=150, padding=0.25)
        want.append(np.asarray(real.compute_face_descriptor(chip)))
    assert got.shape == (N + 2, 128)
    np.testing.assert_array_equal(got, np.stack(want))
    again = emb.embed(frames[:1], track.landmarks[:1], track.boxes[:1])
    assert calls == [N]  # memo hit: no second call
    np.testing.assert_array_equal(again[0], got[0])


def test_subsampled_csim_is_labelled_and_the_demo_asks_for_it():
    from talkbench import get_metric
    from talkbench.cli.run_cmds import DEMO_METRIC_OPTIONS, DEMO_METRICS

    assert {"csim_dlib", "lmd", "cpbd"} <= set(DEMO_METRICS)
    stride = DEMO_METRIC_OPTIONS["csim_dlib"]["frame_stride"]
    assert get_metric("csim_dlib")(frame_stride=stride).protocol()["table_note"] == f"every {stride}th frame only"
    assert "table_note" not in get_metric("csim_dlib")().protocol()
