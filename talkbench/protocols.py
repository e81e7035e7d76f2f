"""Protocol presets: named, versioned sets of metric options, one per reference pipeline.

A preset says which reference evaluation it reproduces and which published numbers it is for,
and sets the metric options that make talkbench compute what that reference computes::

    @hookimpl
    def register_protocols(register):
        register(Protocol(name="lrs", version="1", description="...", reference="...",
                          published="...", options={"syncnet": {"protocol": "lrs"}}))

``talkbench run/evaluate/sweep --protocol NAME`` applies it: the dataset's ``metric_defaults``
first, then the preset, then the user's ``--metric-option`` values (which win, and the record
lists them as overridden). A preset is nothing but option values: the per-clip score keys
hash the resolved options, so the same options reached through a preset or through
``--metric-option`` share their cached scores. Its name and version are recorded (record.json
``protocol``) and named in table captions.

Keys of ``options`` are metric names or option groups (``syncnet`` = lse_c and lse_d); a preset
naming an option the metric does not declare, or a value the option refuses, is an error when
the registry is built (``get_protocols``). Metrics a preset names that are not installed, or
not in a run, are left out of that run and listed (``not_in_run``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Mapping

from talkbench.errors import OptionError, TalkbenchError

_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]*$")


@dataclass(frozen=True)
class Protocol:
    """One preset: name, version, a one-line description, the reference pipeline it
    reproduces, the published numbers it is for, and the metric options it sets."""

    name: str
    version: str
    description: str
    reference: str
    published: str
    #: {metric or option group: {option: value}}, e.g. {"syncnet": {"protocol": "lrs"}}
    options: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    #: what the reference does, for the README's protocols table (free text, optional)
    detector: str = ""
    crop: str = ""
    fps: str = ""
    tracks: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not _NAME.match(self.name):
            raise TalkbenchError(f"protocol name {self.name!r}: use lowercase letters, digits, '.', '_', '-'")
        for attr in ("version", "description", "reference", "published"):
            value = getattr(self, attr)
            if not isinstance(value, str) or not value.strip() or "\n" in value:
                raise TalkbenchError(f"protocol {self.name!r}: {attr} must be one non-empty line of text")
        if not isinstance(self.options, Mapping) or not all(
                isinstance(k, str) and isinstance(v, Mapping) for k, v in self.options.items()):
            raise TalkbenchError(f"protocol {self.name!r}: options must look like "
                                 "{'metric_or_group': {'option': value}}")
        # a plain, private copy: a preset never changes after registration
        object.__setattr__(self, "options", {k: dict(v) for k, v in self.options.items()})

    @property
    def label(self) -> str:
        """``name vVERSION`` as captions and summaries print it."""
        return f"{self.name} v{self.version}"

    def describe(self) -> dict[str, Any]:
        return {"name": self.name, "version": self.version, "description": self.description,
                "reference": self.reference, "published": self.published,
                "options": {k: dict(v) for k, v in self.options.items()},
                "detector": self.detector, "crop": self.crop, "fps": self.fps, "tracks": self.tracks}


def _groups(classes: Mapping[str, type]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for name, cls in sorted(classes.items()):
        if getattr(cls, "option_group", ""):
            out.setdefault(cls.option_group, []).append(name)
    return out


def validate_protocol(proto: Protocol, classes: Mapping[str, type], plugin: str = "") -> None:
    """Every option the preset sets exists on the installed metric (or is one of its option
    group's shared options) and its value parses; keys naming no installed metric or group are
    left for the run to report (a plugin may be absent)."""
    from talkbench.metric_options import shared_option_names

    who = f"protocol {proto.label}" + (f" (plugin {plugin!r})" if plugin else "")
    groups = _groups(classes)
    for key, opts in proto.options.items():
        if key in groups:
            members, declared = groups[key], shared_option_names(classes, key)
        elif key in classes:
            members, declared = [key], {o.name for o in classes[key].option_specs()}
        else:
            continue
        for opt, value in opts.items():
            if opt not in declared:
                raise OptionError(f"{who} sets {key}.{opt}, but {key} has no option {opt!r}; "
                                  f"its options: {', '.join(sorted(declared)) or 'none'}")
            for m in members:
                spec = next(o for o in classes[m].option_specs() if o.name == opt)
                try:
                    spec.parse(value, owner=m)
                except OptionError as exc:
                    raise OptionError(f"{who} sets {key}.{opt}={value!r}: {exc}") from None
    from talkbench.metric_options import expand_layer

    try:  # one shared option given two values (lse_c.vshift=10, lse_d.vshift=15) is refused too
        expand_layer(proto.options, sorted(classes), classes)
    except OptionError as exc:
        raise OptionError(f"{who}: {str(exc).replace('--metric-option ', '')}") from None


def unknown_protocol_line(name: str, known: Mapping[str, Protocol]) -> str:
    listed = ", ".join(f"{p.name} (v{p.version})" for p in sorted(known.values(), key=lambda p: p.name))
    return f"unknown protocol {name!r}; known protocols: {listed or 'none installed'} (talkbench protocols)"


def provenance(proto: Protocol, names: list[str], preset_layer: Mapping[str, Mapping[str, Any]],
               user_layer: Mapping[str, Mapping[str, Any]], classes: Mapping[str, type]) -> dict[str, Any]:
    """What a run records about its preset: name, version, references, the per-metric values it
    set for this run's metrics, which of them ``--metric-option`` overrode (preset value and the
    one used), and the preset keys this run has no metric for."""
    groups = _groups(classes)
    not_in_run = sorted(k for k in proto.options
                        if k not in names and not any(m in names for m in groups.get(k, [])))
    overridden = {}
    for metric, opts in preset_layer.items():
        for opt, value in opts.items():
            given = (user_layer.get(metric) or {}).get(opt, value)
            if given != value:
                overridden[f"{metric}.{opt}"] = {"preset": value, "used": given}
    return {"name": proto.name, "version": proto.version, "description": proto.description,
            "reference": proto.reference, "published": proto.published,
            "sets": {m: dict(o) for m, o in preset_layer.items()}, "overridden": overridden,
            "not_in_run": not_in_run}


def record_entry(prov: Mapping[str, Any] | None, metric_options: Mapping[str, Mapping[str, Any]]) -> dict | None:
    """record.json ``protocol``: the run's provenance plus, per metric in the record, whether its
    options are the preset's (a record keeps metrics scored by earlier invocations of the run,
    which may have used another preset: those are listed under ``differs``)."""
    if not prov:
        return None
    out = dict(prov)
    sets = prov.get("sets") or {}
    overridden = prov.get("overridden") or {}
    differs = {}
    for metric, opts in metric_options.items():
        wanted = sets.get(metric) or {}
        # an override the user gave is listed already; what is left came from another invocation
        off = sorted(k for k, v in wanted.items() if opts.get(k) != v and f"{metric}.{k}" not in overridden)
        if off:
            differs[metric] = off
    out["conforms"] = sorted(m for m in metric_options if m in sets and m not in differs
                             and not any(k.startswith(f"{m}.") for k in overridden))
    out["differs"] = differs
    return out


def caption_note(records) -> str:
    """The table caption's sentence naming the protocol preset(s) of the tabulated runs, with
    what was changed from them, or '' when no run used one."""
    seen: dict[str, list[str]] = {}
    without = 0
    for rec in records:
        prov = rec.get("protocol") if isinstance(rec, Mapping) else None
        if not isinstance(prov, Mapping) or not prov.get("name"):
            without += 1
            continue
        changed = seen.setdefault(f"{prov['name']} v{prov.get('version', '?')}", [])
        for key, val in sorted((prov.get("overridden") or {}).items()):
            used = val.get("used") if isinstance(val, Mapping) else val
            text = f"{key}={str(used).lower() if isinstance(used, bool) else used}"
            if text not in changed:
                changed.append(text)
        for metric in sorted(prov.get("differs") or {}):
            text = f"{metric} scored with other options"
            if text not in changed:
                changed.append(text)
    if not seen:
        return ""
    parts = [label + (f" (changed: {', '.join(c)})" if c else "") for label, c in seen.items()]
    if without:
        parts.append(f"{without} run{'s' if without > 1 else ''} without a preset")
    word = "Protocol preset" if len(seen) == 1 else "Protocol presets"
    return f"{word}: {'; '.join(parts)}."


def _cell(text: str) -> str:
    return (text or "–").replace("|", "\\|")


def _value(v: Any) -> str:
    return str(v).lower() if isinstance(v, bool) else str(v)


def markdown_table(protocols: Mapping[str, Protocol]) -> str:
    """The README's protocols table (``talkbench protocols --markdown``; a test keeps the README
    equal to it, so the documentation cannot drift from the registered presets)."""
    rows = ["| preset | reference it reproduces | detector | crop | fps | tracks | for (published numbers) "
            "| options it sets |", "|---|---|---|---|---|---|---|---|"]
    for _, p in sorted(protocols.items()):
        opts = ", ".join(f"`{k}.{o}={_value(v)}`" for k, d in p.options.items() for o, v in d.items())
        rows.append("| " + " | ".join([f"`{p.name}` v{p.version}: {_cell(p.description)}", _cell(p.reference),
                                       _cell(p.detector), _cell(p.crop), _cell(p.fps), _cell(p.tracks),
                                       _cell(p.published), opts or "–"]) + " |")
    return "\n".join(rows) + "\n"
