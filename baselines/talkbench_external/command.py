"""Turning a command template into an argv list and running it with a timeout.

The template is split with ``shlex`` *before* the placeholders are filled in, and each value is
substituted inside one argument. A path with spaces or shell metacharacters therefore stays a
single argument, and no shell ever sees it: there is nothing to inject into.
"""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
from dataclasses import dataclass
from pathlib import Path

from talkbench import OptionError

_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
#: characters of stderr/stdout kept in a failure reason
TAIL_CHARS = 2000


def parse_pairs(text: str, what: str) -> dict[str, str]:
    """"A=1;B=2" → {"A": "1", "B": "2"} (empty text → {})."""
    out: dict[str, str] = {}
    for item in filter(None, (s.strip() for s in (text or "").split(";"))):
        if "=" not in item:
            raise OptionError(f"external: {what} item {item!r} must look like NAME=VALUE (separate items with ';')")
        key, value = item.split("=", 1)
        out[key.strip()] = value
    return out


def fill(template: str, values: dict[str, str]) -> str:
    def sub(match: re.Match) -> str:
        key = match.group(1)
        if key not in values:
            raise OptionError(
                f"external: unknown placeholder {{{key}}} in {template!r}; known: "
                + ", ".join(f"{{{k}}}" for k in sorted(values))
            )
        return values[key]

    return _PLACEHOLDER.sub(sub, template)


def build_argv(template: str, values: dict[str, str]) -> list[str]:
    """shlex-split ``template``, then fill placeholders inside each argument."""
    try:
        parts = shlex.split(template)
    except ValueError as exc:
        raise OptionError(f"external: cannot parse cmd {template!r} ({exc})") from None
    if not parts:
        raise OptionError("external: empty cmd; pass --option cmd=\"python infer.py --face {video} ...\" or a preset")
    return [fill(p, values) for p in parts]


@dataclass
class Completed:
    returncode: int | None  # None: killed at the timeout
    stdout: str
    stderr: str
    seconds: float


def tail(text: str, n: int = TAIL_CHARS) -> str:
    text = text.strip()
    return text if len(text) <= n else "…" + text[-n:]


def run_command(argv: list[str], *, cwd: Path | None, env: dict[str, str], timeout: float) -> Completed:
    """Run ``argv`` (no shell) in its own process group; on timeout the whole group is killed."""
    import time

    start = time.monotonic()
    proc = subprocess.Popen(
        argv, cwd=cwd, env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL, start_new_session=True, text=True, errors="replace",
    )
    try:
        out, err = proc.communicate(timeout=timeout)
        code: int | None = proc.returncode
    except subprocess.TimeoutExpired:
        # kill the tool and anything it started (ffmpeg children), then collect what it printed
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        out, err = proc.communicate()
        code = None
    return Completed(code, out or "", err or "", time.monotonic() - start)
