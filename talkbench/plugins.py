"""Plugin manager: loads the ``talkbench`` entry points and builds the registries.

A registry (generators, metrics, ...) is built by one round of its hook and kept until the set
of plugins changes: ``pm.register``/``pm.unregister`` (tests register fake plugins at run time,
as simonw/llm does) and ``reset_plugins`` drop every cached registry, so a new plugin is seen at
once. The registry says no: a name registered twice (by two plugins, or twice by one) is an
error naming both plugins, and a class that is not a subclass of the interface (a weights entry
that is not a ``WeightSpec``) is a TypeError. A plugin that fails to import costs one warning
line; the others still load. ``TALKBENCH_LOAD_PLUGINS=a,b`` limits which entry points load
(``TALKBENCH_LOAD_PLUGINS=`` loads none), for every command including ``talkbench plugins``.
"""

from __future__ import annotations

import difflib
import os
import sys
from dataclasses import dataclass
from importlib import metadata
from typing import Any

import pluggy

from talkbench import hookspecs, weights
from talkbench.errors import TalkbenchError, UnknownNameError

ENTRY_POINT_GROUP = "talkbench"

_registries: dict[str, dict[str, Any]] = {}
#: hook name -> {registered name: plugin that registered it} (for errors found after collection)
_owners: dict[str, dict[str, str]] = {}


class _PluginManager(pluggy.PluginManager):
    """pluggy's manager, dropping the cached registries whenever a plugin comes or goes."""

    def register(self, plugin: Any, name: str | None = None) -> str | None:
        _registries.clear()
        return super().register(plugin, name=name)

    def unregister(self, plugin: Any = None, name: str | None = None) -> Any:
        _registries.clear()
        return super().unregister(plugin=plugin, name=name)


pm = _PluginManager("talkbench")
pm.add_hookspecs(hookspecs)


@dataclass
class PluginInfo:
    name: str
    module: str
    distribution: str | None
    version: str | None
    hooks: list[str]
    error: str | None = None


_loaded = False
_failures: dict[str, PluginInfo] = {}
_dist_of: dict[str, tuple[str | None, str | None]] = {}


def _allowed() -> set[str] | None:
    raw = os.environ.get("TALKBENCH_LOAD_PLUGINS")
    if raw is None:
        return None
    return {p.strip() for p in raw.split(",") if p.strip()}


def load_plugins() -> None:
    """Import every ``talkbench`` entry point once (respecting ``TALKBENCH_LOAD_PLUGINS``)."""
    global _loaded
    if _loaded:
        return
    _loaded = True
    allowed = _allowed()
    for ep in metadata.entry_points(group=ENTRY_POINT_GROUP):
        dist = getattr(ep, "dist", None)
        dist_name = dist.metadata["Name"] if dist is not None else None
        if allowed is not None and ep.name not in allowed and dist_name not in allowed:
            continue
        if pm.has_plugin(ep.name) or ep.name in _failures:
            continue
        try:
            module = ep.load()
        except Exception as exc:  # any import-time error of a third-party plugin
            # one line, and the other plugins still load
            msg = f"{type(exc).__name__}: {exc}".splitlines()[0]
            print(f"talkbench: warning: plugin {ep.name!r} failed to load ({msg})", file=sys.stderr)
            _failures[ep.name] = PluginInfo(
                ep.name, ep.value, dist_name, dist.version if dist else None, [], error=msg
            )
            continue
        pm.register(module, name=ep.name)
        _dist_of[ep.name] = (dist_name, dist.version if dist else None)


def reset_plugins() -> None:
    """Forget entry-point plugins (tests use this after changing TALKBENCH_LOAD_PLUGINS)."""
    global _loaded
    for name in list(_dist_of):
        plugin = pm.get_plugin(name)
        if plugin is not None:
            pm.unregister(plugin, name=name)
    _dist_of.clear()
    _failures.clear()
    _registries.clear()
    _loaded = False


def list_plugins() -> list[PluginInfo]:
    load_plugins()
    out = []
    for name, plugin in pm.list_name_plugin():
        if name is None or name.startswith("_"):
            continue
        hooks = sorted(h.name for h in pm.get_hookcallers(plugin) or [])
        dist, version = _dist_of.get(name, (None, None))
        out.append(PluginInfo(name, getattr(plugin, "__name__", repr(plugin)), dist, version, hooks))
    out.extend(_failures.values())
    return sorted(out, key=lambda p: p.name)


def _expected(kind: str) -> type:
    from talkbench.interfaces import Dataset, Generator, Metric, Trainer
    from talkbench.protocols import Protocol
    from talkbench.weights import WeightSpec

    if kind == "face backend":  # late: the face pipeline imports cv2
        from talkbench.faces.backends.base import LandmarkBackend

        return LandmarkBackend
    return {"generator": Generator, "metric": Metric, "dataset": Dataset,
            "weights file": WeightSpec, "trainer": Trainer, "protocol": Protocol}[kind]


def _check_type(kind: str, obj: Any, plugin: str) -> None:
    base = _expected(kind)
    if kind in ("weights file", "protocol"):  # registered as instances, the rest as classes
        if not isinstance(obj, base):
            raise TypeError(f"plugin {plugin!r} registered {obj!r} as a {kind}; expected a talkbench.{base.__name__}")
    elif not (isinstance(obj, type) and issubclass(obj, base)):
        where = "talkbench.faces" if kind == "face backend" else "talkbench"
        raise TypeError(f"plugin {plugin!r} registered {obj!r} as a {kind}; expected a subclass of "
                        f"{where}.{base.__name__}")


def _collect(hook_name: str, kind: str) -> dict[str, Any]:
    """Run one hook round (cached until the plugins change): name → registered object."""
    load_plugins()
    if hook_name not in _registries:
        items: dict[str, Any] = {}
        owner: dict[str, str] = {}
        # each implementation on its own, in pluggy's call order, so a clash can name both plugins
        for impl in reversed(getattr(pm.hook, hook_name).get_hookimpls()):

            def register(obj: Any, _plugin: str = impl.plugin_name) -> None:
                name = getattr(obj, "name", None)
                if not name:
                    raise TalkbenchError(f"a {kind} registered without a name: {obj!r}")
                _check_type(kind, obj, _plugin)
                if name in items:  # pluggy calls the last registered first: name the plugins in load order
                    raise TalkbenchError(
                        f"{kind} {name!r} is registered twice: by plugin {_plugin!r} and by plugin "
                        f"{owner[name]!r}; uninstall one, or load only one with TALKBENCH_LOAD_PLUGINS")
                items[name], owner[name] = obj, _plugin

            if impl.hookwrapper or impl.wrapper:
                raise TalkbenchError(f"plugin {impl.plugin_name!r}: {hook_name} cannot be a hook wrapper")
            impl.function(*[{"register": register}[a] for a in impl.argnames])  # as pluggy calls it
        _registries[hook_name] = items
        _owners[hook_name] = owner
    return dict(_registries[hook_name])


def get_generators() -> dict[str, Any]:
    return _collect("register_generators", "generator")


def get_metrics() -> dict[str, Any]:
    return _collect("register_metrics", "metric")


def get_datasets() -> dict[str, Any]:
    return _collect("register_datasets", "dataset")


def get_weight_specs() -> dict[str, Any]:
    return _collect("register_weights", "weights file")


weights.use_spec_registry(get_weight_specs)  # resolve_weight looks names up here


def get_trainers() -> dict[str, Any]:
    return _collect("register_trainers", "trainer")


def get_face_backends() -> dict[str, Any]:
    """Face backends registered by plugins (``talkbench.faces.make_backend`` looks here)."""
    return _collect("register_face_backends", "face backend")


def get_protocols() -> dict[str, Any]:
    """Protocol presets by name, each checked against the installed metrics' options (a preset
    setting an option a metric does not declare is an error naming the preset and its plugin)."""
    from talkbench.protocols import validate_protocol

    items = _collect("register_protocols", "protocol")
    metrics = get_metrics()
    for name, proto in items.items():
        validate_protocol(proto, metrics, _owners.get("register_protocols", {}).get(name, ""))
    return items


def _lookup(kind: str, name: str, items: dict[str, Any]) -> Any:
    if name in items:
        return items[name]
    close = difflib.get_close_matches(name, list(items), n=1, cutoff=0.5)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    known = ", ".join(sorted(items)) or "none installed"
    raise UnknownNameError(f"unknown {kind} {name!r}.{hint} Known {kind}s: {known}")


def get_generator(name: str) -> Any:
    return _lookup("model", name, get_generators())


def get_metric(name: str) -> Any:
    return _lookup("metric", name, get_metrics())


def get_dataset(name: str) -> Any:
    return _lookup("dataset", name, get_datasets())


def get_trainer(name: str) -> Any:
    return _lookup("trainer", name, get_trainers())


def get_protocol(name: str) -> Any:
    """A protocol preset by name; an unknown name is one line listing the known ones."""
    items = get_protocols()
    if name not in items:
        from talkbench.protocols import unknown_protocol_line

        raise UnknownNameError(unknown_protocol_line(name, items))
    return items[name]
