"""The hooks a talkbench plugin may implement (entry-point group ``talkbench``)."""

from pluggy import HookimplMarker, HookspecMarker

hookspec = HookspecMarker("talkbench")
hookimpl = HookimplMarker("talkbench")


@hookspec
def register_generators(register):
    """Register Generator subclasses: ``register(GeneratorClass)``."""


@hookspec
def register_metrics(register):
    """Register Metric subclasses: ``register(MetricClass)``."""


@hookspec
def register_datasets(register):
    """Register Dataset subclasses: ``register(DatasetClass)``."""


@hookspec
def register_weights(register):
    """Register downloadable weight files: ``register(WeightSpec(...))``."""


@hookspec
def register_commands(cli):
    """Add click commands to the ``talkbench`` command group ``cli``."""


@hookspec
def register_trainers(register):
    """Register Trainer subclasses (``talkbench train --model NAME``): ``register(TrainerClass)``."""


@hookspec
def register_protocols(register):
    """Register protocol presets (``talkbench run --protocol NAME``): ``register(Protocol(...))``."""
