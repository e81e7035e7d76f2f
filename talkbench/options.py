"""Typed, validated options for generators, metrics and datasets.

A plugin declares ``options = (Option("steps", int, 200, "DDIM steps", min=1), ...)``; the
CLI passes ``--option steps=50`` strings, which are parsed against the declaration so that a
typo or a wrong type is one clear line instead of a crash deep in a model.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from talkbench.errors import OptionError

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


@dataclass(frozen=True)
class Option:
    """One declared option: name, type (bool/int/float/str), default, help, constraints."""

    name: str
    type: type
    default: Any
    help: str = ""
    choices: tuple | None = None
    min: float | None = None
    max: float | None = None
    #: False for pure speed/memory knobs (e.g. clips per batch): the outputs do not depend on
    #: them, so they stay out of the run key and another value resumes the same run
    affects_output: bool = True

    def parse(self, value: Any, owner: str = "") -> Any:
        where = f"{owner}: " if owner else ""
        try:
            if self.type is bool and isinstance(value, str):
                low = value.strip().lower()
                if low not in _TRUE | _FALSE:
                    raise ValueError(value)
                out = low in _TRUE
            elif self.type is bool:
                out = bool(value)
            else:
                out = self.type(value)
        except (TypeError, ValueError):
            raise OptionError(
                f"{where}option {self.name}={value!r} is not a valid {self.type.__name__}"
            ) from None
        if self.choices is not None and out not in self.choices:
            raise OptionError(
                f"{where}option {self.name}={out!r} must be one of {', '.join(map(str, self.choices))}"
            )
        if self.min is not None and out < self.min:
            raise OptionError(f"{where}option {self.name}={out!r} must be >= {self.min}")
        if self.max is not None and out > self.max:
            raise OptionError(f"{where}option {self.name}={out!r} must be <= {self.max}")
        return out

    def describe(self) -> str:
        extra = f" (one of {', '.join(map(str, self.choices))})" if self.choices else ""
        return f"{self.name}: {self.type.__name__} = {self.default!r}{extra}  {self.help}".rstrip()


def resolve_options(
    declared: Iterable[Option], given: Mapping[str, Any] | None, owner: str = ""
) -> dict[str, Any]:
    """Defaults overlaid with ``given`` (strings or values), validated; unknown keys are errors."""
    declared = tuple(declared)
    by_name = {o.name: o for o in declared}
    out = {o.name: o.default for o in declared}
    for key, value in (given or {}).items():
        if key not in by_name:
            close = difflib.get_close_matches(key, by_name, n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            known = ", ".join(by_name) or "none"
            raise OptionError(f"{owner}: unknown option {key!r}{hint}; known options: {known}")
        out[key] = by_name[key].parse(value, owner)
    return out


def parse_option_strings(items: Iterable[str]) -> dict[str, str]:
    """``["steps=50", "audio=avhubert"]`` -> ``{"steps": "50", "audio": "avhubert"}``."""
    out: dict[str, str] = {}
    for item in items:
        if "=" not in item:
            raise OptionError(f"option {item!r} must look like NAME=VALUE")
        key, value = item.split("=", 1)
        out[key.strip()] = value
    return out
