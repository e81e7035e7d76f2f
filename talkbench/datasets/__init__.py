"""Real datasets (lrs2, lrs3, hdtf, folder), the `prepare` command and face-alignment's weights.

Registered through the ``datasets`` entry point exactly as a third-party plugin would be.
Roots come from ``--data-root`` or ``$TALKBENCH_DATA`` (which may also hold lrs2/, lrs3/).
"""

from talkbench.datasets.folder import FolderDataset
from talkbench.datasets.hdtf import HDTF
from talkbench.datasets.lrs import LRS2, LRS3
from talkbench.hookspecs import hookimpl


@hookimpl
def register_datasets(register):
    register(LRS2)
    register(LRS3)
    register(FolderDataset)
    register(HDTF)


@hookimpl
def register_weights(register):
    from talkbench.faces.fan_weights import fan_weight_specs

    for spec in fan_weight_specs():
        register(spec)


@hookimpl
def register_commands(cli):
    from talkbench.datasets.commands import prepare

    cli.add_command(prepare)


__all__ = ["LRS2", "LRS3", "FolderDataset", "HDTF"]
