"""``talkbench run`` in a subprocess with the fake plugins plus two test generators.

usage: python trust_worker.py [talkbench CLI arguments...]
``noisygen`` returns different frames on every call (seeded from os.urandom); ``slowcopy`` is
deterministic (CopyGen). Both sleep a little per clip and, with ``$TRUST_SYNC`` set, wait in
their first ``generate`` until ``$TRUST_PEERS`` processes got there, so that the processes of a
test really work on the run at the same time (Python start-up times vary by seconds).
"""

import os
import random
import sys
import time
from pathlib import Path

import numpy as np
import torch

torch.set_num_threads(1)


def _plugins():
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from core.fakes import CopyGen, FakePlugin

    from talkbench import Metric, hookimpl
    from talkbench.plugins import pm

    synced = []

    def rendezvous():
        sync = os.environ.get("TRUST_SYNC")
        if not sync or synced:
            return
        synced.append(True)
        Path(sync, str(os.getpid())).touch()
        deadline = time.monotonic() + 120
        while len(os.listdir(sync)) < int(os.environ.get("TRUST_PEERS", "2")) and time.monotonic() < deadline:
            time.sleep(0.05)

    class NoisyGen(CopyGen):
        name = "noisygen"

        def generate(self, source, audio, *, seed=None):
            rendezvous()
            time.sleep(random.uniform(0.1, 0.4))
            rng = np.random.default_rng(int.from_bytes(os.urandom(8), "little"))
            frames = rng.integers(0, 255, source.frames.shape, dtype=np.uint8)
            return source.replace(frames=frames)

    class SlowCopy(CopyGen):
        name = "slowcopy"

        def generate(self, source, audio, *, seed=None):
            rendezvous()
            time.sleep(0.3)
            return super().generate(source, audio, seed=seed)

    class Jitter(Metric):
        """Mean pixel value after a random pause: makes the time between a process writing a
        clip's video and writing its score file vary, as real metrics' run times do."""

        name = "jitter"

        def compute(self, generated, reference):
            time.sleep(random.uniform(0.0, 0.8))
            return {"value": float(generated.frames.mean()), "n": 1}

    class Extra:
        @hookimpl
        def register_generators(self, register):
            register(NoisyGen)
            register(SlowCopy)

        @hookimpl
        def register_metrics(self, register):
            register(Jitter)

    pm.register(FakePlugin(), name="_fakes")
    pm.register(Extra(), name="_trust_extra")


if __name__ == "__main__":
    os.environ["TALKBENCH_LOAD_PLUGINS"] = ""
    _plugins()
    from talkbench.cli import cli

    cli(sys.argv[1:], prog_name="talkbench")
