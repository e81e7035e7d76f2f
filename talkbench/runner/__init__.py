"""The runner: ``run_benchmark`` (generate + score), ``evaluate_videos`` (score existing videos),
``merge_run`` (join shards). See talkbench.records for the record schema."""

from talkbench.runner.core import execute, make_plan, merge_run, run_benchmark
from talkbench.runner.evaluate import evaluate_videos, match_videos

__all__ = ["run_benchmark", "evaluate_videos", "match_videos", "merge_run", "make_plan", "execute"]
