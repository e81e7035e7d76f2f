"""The runner: ``run_benchmark`` (generate + score), ``evaluate_videos`` (score existing videos),
``merge_run`` (join shards). See talkbench.records for the record schema.

Attributes are imported lazily: ``import talkbench.runner`` stays cheap for the CLI.
"""

from importlib import import_module

_WHERE = {
    "run_benchmark": "core", "execute": "core", "make_plan": "plan", "merge_run": "core",
    "evaluate_videos": "evaluate", "match_videos": "evaluate",
}

__all__ = sorted(_WHERE)


def __getattr__(name):
    if name in _WHERE:
        return getattr(import_module(f"talkbench.runner.{_WHERE[name]}"), name)
    raise AttributeError(f"module 'talkbench.runner' has no attribute {name!r}")
