"""Errors that reach the user as one line: what went wrong, where, and how to fix it."""


class TalkbenchError(Exception):
    """Base class: the CLI prints these as a single line, without a traceback."""


class UnknownNameError(TalkbenchError, KeyError):
    """A model, metric or dataset name that no plugin registered."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class OptionError(TalkbenchError, ValueError):
    """An option value that does not fit its declared type or choices."""


class DatasetNotFoundError(TalkbenchError, FileNotFoundError):
    """A dataset root that is missing or has the wrong layout."""


class MediaError(TalkbenchError, ValueError):
    """A video or audio file that cannot be read (unreadable, truncated, no audio...)."""


class WeightsMissingError(TalkbenchError, FileNotFoundError):
    """A weights file that is not on disk (offline: names file, URL and where to put it)."""


class WeightsInvalidError(TalkbenchError, ValueError):
    """A weights file that is an HTML page, a git-LFS pointer, or fails its checksum."""


class MetricUnavailable(TalkbenchError):
    """A metric that cannot run here (missing weights, missing transcripts...); the run goes on."""


class ClipFailure(TalkbenchError):
    """A per-clip failure: recorded in the run record, and the run continues."""
