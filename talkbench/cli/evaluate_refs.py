"""What ``talkbench evaluate`` compares the videos with, and so which metrics it can score.

* ``--dataset D``: the dataset's clips are the references (every metric applies).
* ``--reference DIR``: a folder of reference videos with the same names (the ``folder`` dataset
  rooted at DIR); every metric applies.
* neither: there is no reference. The videos are read as the ``folder`` dataset only to get
  their audio (and sibling .txt transcripts), and only metrics that need no reference video are
  scored (LSE-C/LSE-D; WER when transcripts are there). Scoring PSNR or SSIM of a video against
  itself would give 1.0 and "undefined": numbers that mean nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from talkbench.errors import TalkbenchError
from talkbench.interfaces import NEEDS_REFERENCE, NEEDS_TRANSCRIPT

REFERENCE_HINT = "pass --dataset NAME (or --reference DIR of reference videos with the same names)"


@dataclass
class EvaluateSource:
    dataset: str
    data_root: str | None
    metrics: list[str] | None
    skipped: dict[str, str] = field(default_factory=dict)  # metric -> why it is not scored

    def skipped_line(self) -> str | None:
        if not self.skipped:
            return None
        by_reason: dict[str, list[str]] = {}
        for name, why in self.skipped.items():
            by_reason.setdefault(why, []).append(name)
        parts = [f"{', '.join(names)} ({why})" for why, names in by_reason.items()]
        return "talkbench: not scored: " + "; ".join(parts)


def needs_reference(cls: type) -> bool:
    return NEEDS_REFERENCE in cls.needs


def resolve_evaluate_source(
    videos: str, dataset: str | None, data_root: str | None, reference: str | None,
    metrics: list[str] | None, classes: Mapping[str, Any], *, has_transcripts=None,
) -> EvaluateSource:
    """The dataset/root to match ``videos`` against and the metrics to score (see module doc).

    ``has_transcripts(folder_root) -> bool`` is asked only in the no-reference case.
    """
    if not Path(videos).is_dir():
        raise TalkbenchError(f"--videos {videos}: no such directory; give the folder of videos to score")
    if reference is not None:
        if dataset is not None:
            raise TalkbenchError("--reference and --dataset both name the references; give one of them")
        if not Path(reference).is_dir():
            raise TalkbenchError(f"--reference {reference}: no such directory; give the folder of reference videos")
        return EvaluateSource("folder", reference, metrics)
    if dataset is not None:
        return EvaluateSource(dataset, data_root, metrics)
    if metrics is not None:
        full_ref = [m for m in metrics if m in classes and needs_reference(classes[m])]
        if full_ref:
            raise TalkbenchError(f"--metrics {','.join(full_ref)} compare with reference videos, and "
                                 f"--videos alone has none; {REFERENCE_HINT}")
        return EvaluateSource("folder", data_root or videos, metrics)
    skipped = {n: f"need a reference video; {REFERENCE_HINT}"
               for n, c in sorted(classes.items()) if needs_reference(c)}
    names = [n for n in sorted(classes) if n not in skipped]
    if any(NEEDS_TRANSCRIPT in classes[n].needs for n in names) and has_transcripts is not None \
            and not has_transcripts(data_root or videos):
        for n in [n for n in names if NEEDS_TRANSCRIPT in classes[n].needs]:
            skipped[n] = "needs transcripts: put <name>.txt beside each video"
            names.remove(n)
    if not names:
        raise TalkbenchError(f"--videos {videos}: no installed metric scores videos without a reference; {REFERENCE_HINT}")
    return EvaluateSource("folder", data_root or videos, names, skipped)


def folder_has_transcripts(root: str) -> bool:
    """Whether the folder dataset at ``root`` has transcripts (as the runner decides it)."""
    from talkbench.runner import plan as planning

    ds, _ = planning.make_dataset("folder", root, None)
    split = ds.default_split
    return planning.dataset_has_transcripts(ds, split, sorted(ds.clip_ids(split)))
