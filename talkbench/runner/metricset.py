"""The metrics of a run: instantiate with options, load, and note which are unavailable."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import Any, Mapping

from talkbench.errors import MetricUnavailable, TalkbenchError, WeightsInvalidError, WeightsMissingError
from talkbench import fingerprint
from talkbench.interfaces import NEEDS_TRANSCRIPT, Metric


@dataclass
class MetricState:
    name: str
    instance: Metric
    status: str = "ok"                 # ok | unavailable
    reason: str | None = None
    weights: list[dict[str, Any]] = field(default_factory=list)

    @property
    def key(self) -> str:
        """The cache key of this metric's per-clip scores (see talkbench.fingerprint)."""
        return metric_key(self.instance, self.weights)

    def as_dict(self) -> dict[str, Any]:
        return {"status": self.status, "reason": self.reason, "weights": self.weights}


def metric_key(metric: Metric, weights: list[dict[str, Any]] | None = None) -> str:
    """Name, version, output-affecting options and the sha256 of each weights file used."""
    return fingerprint.metric_key(metric.name, metric.version, fingerprint.output_options(metric), weights or [])


def _weights_of(metric: Metric) -> list[dict[str, Any]]:
    """The files the loaded metric used: ``Metric.weight_records()`` is the single source."""
    return [dict(w) for w in metric.weight_records()]


def make_metrics(names: list[str], options: Mapping[str, Mapping[str, Any]]) -> list[MetricState]:
    """Unloaded instances for ``names``: unknown names and bad options are errors before any work."""
    from talkbench.plugins import get_metric

    unknown_opts = set(options) - set(names)
    if unknown_opts:
        raise TalkbenchError(
            f"--metric-option for {', '.join(sorted(unknown_opts))} but the run's metrics are {', '.join(names)}"
        )
    return [MetricState(n, get_metric(n)(**dict(options.get(n, {})))) for n in names]


def load_metrics(states: list[MetricState], *, has_transcripts: bool, device: str | None) -> list[MetricState]:
    """Run each metric's ``load(device)`` (in place; returns ``states``).

    WeightsMissingError/MetricUnavailable make a metric "unavailable" with the reason, and the
    others still run.
    """
    for st in states:
        if NEEDS_TRANSCRIPT in st.instance.needs and not has_transcripts:
            st.status, st.reason = "unavailable", "needs transcripts, which this dataset does not have"
            continue
        try:
            st.instance.load(device or "cpu")
        except (WeightsMissingError, WeightsInvalidError, MetricUnavailable) as exc:
            st.status, st.reason = "unavailable", str(exc)
            continue
        except Exception as exc:  # a broken metric plugin must not sink the other metrics' run
            st.status, st.reason = "unavailable", f"load failed: {type(exc).__name__}: {exc}".splitlines()[0]
            print(f"talkbench: warning: metric {st.name}: {st.reason}", file=sys.stderr)
            continue
        st.weights = _weights_of(st.instance)
    return states
