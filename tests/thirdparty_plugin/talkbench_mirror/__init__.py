"""A third-party plugin as a user would publish it: one generator, registered by entry point."""

import numpy as np

from talkbench import Generator, Option, hookimpl


class Mirror(Generator):
    """Returns the source video flipped left-right (a deliberately wrong 'model')."""

    name = "mirror"
    version = "0.3.0"
    description = "source frames mirrored left-right"
    options = (Option("flip", bool, True, "mirror the frames (false: return them unchanged)"),)

    def generate(self, source, audio, *, seed=None):
        frames = source.frames[:, :, ::-1] if self.options["flip"] else source.frames
        return source.replace(frames=np.ascontiguousarray(frames))


@hookimpl
def register_generators(register):
    register(Mirror)
