"""Plugin manager: loads the ``talkbench`` entry points and builds the registries on lookup.

Registries are rebuilt at every lookup (as simonw/llm does) so that a plugin registered at run
time, e.g. by a test, is seen at once. A plugin that fails to import costs one warning line;
the others still load. ``TALKBENCH_LOAD_PLUGINS=a,b`` limits which entry points load
(``TALKBENCH_LOAD_PLUGINS=`` loads none).
"""

from __future__ import annotations

import difflib
import os
import sys
from dataclasses import dataclass
from importlib import metadata
from typing import Any, Callable, TypeVar

import pluggy

from talkbench import hookspecs
from talkbench.errors import TalkbenchError, UnknownNameError

ENTRY_POINT_GROUP = "talkbench"

pm = pluggy.PluginManager("talkbench")
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


T = TypeVar("T")


def _collect(hook_name: str, key: Callable[[Any], str], kind: str) -> dict[str, Any]:
    load_plugins()
    items: dict[str, Any] = {}

    def register(obj: Any) -> None:
        name = key(obj)
        if not name:
            raise TalkbenchError(f"a {kind} registered without a name: {obj!r}")
        items[name] = obj

    getattr(pm.hook, hook_name)(register=register)
    return items


def get_generators() -> dict[str, Any]:
    return _collect("register_generators", lambda c: c.name, "generator")


def get_metrics() -> dict[str, Any]:
    return _collect("register_metrics", lambda c: c.name, "metric")


def get_datasets() -> dict[str, Any]:
    return _collect("register_datasets", lambda c: c.name, "dataset")


def get_weight_specs() -> dict[str, Any]:
    return _collect("register_weights", lambda s: s.name, "weights file")


def get_trainers() -> dict[str, Any]:
    return _collect("register_trainers", lambda c: c.name, "trainer")


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
