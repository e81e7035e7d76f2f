"""Metric options, including those shared by metrics that are views of one computation.

A metric may declare ``option_group = "syncnet"``: every metric of that group computes its
number from the same per-clip computation (LSE-C and LSE-D are two readings of one SyncNet
pass), so the options that all members declare are one setting, not one per metric:

* ``syncnet.net=demo`` sets ``net`` for every member of the group in the run;
* ``lse_c.net=demo`` is accepted too and means the same (it reaches ``lse_d`` as well);
* ``lse_c.net=demo`` with ``lse_d.net=official`` is an error: one computation cannot run with
  two nets.

The dataset's ``metric_defaults`` are resolved the same way, and the user's options win over
them. Options a member declares alone stay per metric.
"""

from __future__ import annotations

from typing import Any, Mapping

from talkbench.errors import OptionError


def _groups(classes: Mapping[str, type]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for name, cls in sorted(classes.items()):
        group = getattr(cls, "option_group", "") or ""
        if group:
            out.setdefault(group, []).append(name)
    return out


def shared_option_names(classes: Mapping[str, type], group: str) -> set[str]:
    """Options every member of ``group`` declares (the group's single setting)."""
    members = _groups(classes).get(group, [])
    sets = [{o.name for o in classes[m].option_specs()} for m in members]
    return set.intersection(*sets) if sets else set()


def _parsed(classes: Mapping[str, type], metric: str, opt: str, value: Any) -> Any:
    spec = next((o for o in classes[metric].option_specs() if o.name == opt), None)
    return spec.parse(value, owner=metric) if spec is not None else value


def _expand(layer: Mapping[str, Mapping[str, Any]], names: list[str], classes: Mapping[str, type],
            groups: dict[str, list[str]]) -> dict[str, dict[str, tuple[Any, str]]]:
    """``{key: {opt: value}}`` (key = metric or group) → ``{metric: {opt: (value, given_as)}}``.

    Raises OptionError when two keys give one shared option different values.
    """
    out: dict[str, dict[str, tuple[Any, str]]] = {}
    for key, opts in layer.items():
        in_group = groups.get(key)
        group = key if in_group else getattr(classes.get(key), "option_group", "") or ""
        shared = shared_option_names(classes, group) if group else set()
        for opt, value in opts.items():
            given = f"{key}.{opt}={value}"
            if in_group:
                if opt not in shared:
                    raise OptionError(f"--metric-option {given}: {key} options are "
                                      f"{', '.join(sorted(shared)) or 'none'} (shared by {', '.join(in_group)})")
                targets = [m for m in in_group if m in names]
            elif opt in shared:
                targets = [key] + [m for m in groups[group] if m in names and m != key]
            else:
                targets = [key]
            for m in targets:
                parsed = _parsed(classes, m, opt, value) if m in classes else value
                prev = out.setdefault(m, {}).get(opt)
                if prev is not None and prev[0] != parsed:
                    raise OptionError(
                        f"--metric-option {prev[1]} and {given} disagree, but {', '.join(groups[group])} "
                        f"are one {group} computation; give it once as {group}.{opt}=VALUE")
                out[m][opt] = (parsed, given)
    return out


def expand_layer(layer: Mapping[str, Mapping[str, Any]] | None, names: list[str],
                 classes: Mapping[str, type]) -> dict[str, dict[str, Any]]:
    """One option layer (metric or group keys) as ``{metric: {opt: parsed value}}`` for the run's
    metrics ``names``; keys naming none of them are dropped (a preset's psnr options in an
    LSE-only run)."""
    groups = _groups(classes)
    kept = {k: v for k, v in (layer or {}).items()
            if k in names or any(m in names for m in groups.get(k, []))}
    return {m: {k: v for k, (v, _) in opts.items()}
            for m, opts in _expand(kept, names, classes, groups).items() if m in names}


def resolve_metric_options(
    names: list[str], user: Mapping[str, Mapping[str, Any]] | None,
    defaults: Mapping[str, Mapping[str, Any]] | None, classes: Mapping[str, type],
    preset: Mapping[str, Mapping[str, Any]] | None = None,
) -> dict[str, dict[str, Any]]:
    """Per-metric options for the run's metrics ``names``: dataset defaults, then a protocol
    preset's options (``preset``, talkbench.protocols), then the user's.

    Keys may be metric names or option groups. A group key with none of its members in the run
    is kept under its own name, so the runner's "options for metrics not in this run" check
    names it (the preset's keys are filtered to the run's metrics instead: a preset covers more
    metrics than most runs use).
    """
    # the caller passes the registry (talkbench.plugins.get_metrics()): importing it here made
    # plugins -> protocols -> metric_options -> plugins a circle
    groups = _groups(classes)
    base = _expand({k: v for k, v in (defaults or {}).items() if k in names or k in groups},
                   names, classes, groups)
    middle = {m: {k: (v, "preset") for k, v in opts.items()}
              for m, opts in expand_layer(preset, names, classes).items()}
    mine = _expand({k: v for k, v in (user or {}).items()
                    if k not in groups or any(m in names for m in groups[k])}, names, classes, groups)
    out: dict[str, dict[str, Any]] = {}
    for layer in (base, middle, mine):
        for m, opts in layer.items():
            if m in names or m not in groups:
                out.setdefault(m, {}).update({k: v for k, (v, _) in opts.items()})
    for key in user or {}:  # a group none of whose metrics runs: let the runner's check name it
        if key in groups and not any(m in names for m in groups[key]):
            out[key] = dict(user[key])
    return out
