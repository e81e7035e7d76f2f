"""Import diffusers safely: it imports torchvision, which needs talkbench's shim first."""

from __future__ import annotations


def diffusers():
    import talkbench

    talkbench.import_torchvision()  # the one sanctioned way; diffusers' own import would fail
    import diffusers as _d

    return _d
