"""Word error counting as infer_s2s: Levenshtein distance over whitespace-split words."""

from __future__ import annotations

from typing import Sequence


def edit_distance(hyp: Sequence[str], ref: Sequence[str]) -> int:
    """Minimum substitutions + insertions + deletions turning ``hyp`` into ``ref``."""
    prev = list(range(len(ref) + 1))
    for i, h in enumerate(hyp, start=1):
        cur = [i] + [0] * len(ref)
        for j, r in enumerate(ref, start=1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (h != r))
        prev = cur
    return prev[-1]


def word_errors(hypothesis: str, reference: str) -> tuple[int, int]:
    """(edits, reference words)."""
    hyp, ref = hypothesis.strip().split(), reference.strip().split()
    return edit_distance(hyp, ref), len(ref)


def corpus_wer(pairs: Sequence[tuple[int, int]]) -> float:
    """100 · Σ edits / Σ reference words."""
    edits = sum(e for e, _ in pairs)
    words = sum(w for _, w in pairs)
    if words == 0:
        raise ValueError("no reference words: WER is undefined")
    return 100.0 * edits / words
