"""Built-ins, registered through the ``talkbench`` entry point exactly as a plugin would be:
generators ``gt`` and ``static``, the embedded ``demo`` dataset, and the reporting commands
(``table``, ``sweep``, ``figure``, ``report``, ``compare``)."""

from talkbench import hookimpl


@hookimpl
def register_generators(register):
    from talkbench.builtins.generators import GroundTruth, Static

    register(GroundTruth)
    register(Static)


@hookimpl
def register_datasets(register):
    from talkbench.builtins.demo_dataset import DemoDataset

    register(DemoDataset)


@hookimpl
def register_commands(cli):
    from talkbench.builtins.commands import COMMANDS
    from talkbench.builtins.compare_cmd import COMMANDS as COMPARE

    for command in (*COMMANDS, *COMPARE):
        cli.add_command(command)
