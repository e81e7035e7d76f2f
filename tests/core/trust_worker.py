"""``talkbench run`` in a subprocess with the fake plugins plus two test generators.

usage: python trust_worker.py [talkbench CLI arguments...]
``noisygen`` returns different frames on every call (seeded from os.urandom) and sleeps a
little, so that two processes on one run overlap; ``slowcopy`` is deterministic (CopyGen) and
sleeps too.
"""

import os
import sys
import time
from pathlib import Path

import numpy as np
import torch

torch.set_num_threads(1)


def _plugins():
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from core.fakes import CopyGen, FakePlugin

    from talkbench import hookimpl
    from talkbench.plugins import pm

    class NoisyGen(CopyGen):
        name = "noisygen"

        def generate(self, source, audio, *, seed=None):
            time.sleep(0.3)
            rng = np.random.default_rng(int.from_bytes(os.urandom(8), "little"))
            frames = rng.integers(0, 255, source.frames.shape, dtype=np.uint8)
            return source.replace(frames=frames)

    class SlowCopy(CopyGen):
        name = "slowcopy"

        def generate(self, source, audio, *, seed=None):
            time.sleep(0.3)
            return super().generate(source, audio, seed=seed)

    class Extra:
        @hookimpl
        def register_generators(self, register):
            register(NoisyGen)
            register(SlowCopy)

    pm.register(FakePlugin(), name="_fakes")
    pm.register(Extra(), name="_trust_extra")


if __name__ == "__main__":
    os.environ["TALKBENCH_LOAD_PLUGINS"] = ""
    _plugins()
    from talkbench.cli import cli

    cli(sys.argv[1:], prog_name="talkbench")
