"""Table footnotes a paper's reader needs, and nothing from this machine.

A footnote says which net produced a column when it is not the official one, and why a metric
is missing. It never carries a local path or a download URL, nor the "how to fix it"
instructions of the error it came from: those are for whoever ran the benchmark and go to the
terminal (``talkbench table`` prints them on stderr) and stay in the run record. Columns that
share a note (LSE-C and LSE-D both from the demo SyncNet) get one footnote, not one each.
"""

from __future__ import annotations

import re
from typing import Any

_URL = re.compile(r"\b(?:https?|ftp)://\S+")
_PATH = re.compile(r"(?<![\w.])(?:~|\$\w+|\.{1,2})?/[^\s;,)'\"]*")
# where an error message turns from what is wrong into what to do about it
_INSTRUCTION = re.compile(r"(?::|,|—|-)?\s*\b(?:download|put it|pass --|pip install|run `|install |then |"
                          r"delete it|see |set TALKBENCH)", re.I)

#: what a reader is told about a net that is not the official one
NET_NOTES = {
    "demo": "the demo SyncNet (trained by talkbench on its synthetic demo dataset)",
}


def reader_reason(reason: str) -> str:
    """The part of an "unavailable" reason a reader needs: what is missing, not where or how."""
    first = (reason or "").splitlines()[0] if reason else ""
    kept = []
    for clause in first.split(";"):
        clause = _INSTRUCTION.split(clause, maxsplit=1)[0]
        clause = _PATH.sub("", _URL.sub("", clause))
        clause = re.sub(r"\(\s*\)|\s{2,}", " ", clause).strip(" :,.")
        if clause:
            kept.append(clause)
    return "; ".join(kept) or "not computed in this run"


def join_labels(labels: list[str]) -> str:
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]


def net_note(nets: list[str]) -> str:
    return " / ".join(NET_NOTES.get(n, f"the {n} SyncNet") for n in nets)


def grouped(items: list[tuple[str, Any]]) -> list[tuple[list[str], Any]]:
    """``[(label, key)]`` → ``[(labels sharing the key, key)]`` in first-seen order."""
    out: dict[Any, list[str]] = {}
    for label, text in items:
        if label not in out.setdefault(text, []):
            out[text].append(label)
    return [(labels, text) for text, labels in out.items()]
