"""Weights registry: name → file, URLs, sha256; cached under ``$TALKBENCH_HOME/weights``.

Plugins register ``WeightSpec``s through the ``register_weights`` hook. Nothing is ever
downloaded implicitly: ``resolve_weight`` returns a verified local path or raises a one-line
error naming the file, the URL and where to put it. ``--weights NAME=PATH`` (or
``TALKBENCH_WEIGHTS=NAME=PATH,...``, which subprocesses inherit) overrides the location, and the
override's sha256 is recorded.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

from talkbench.errors import WeightsInvalidError, WeightsMissingError
from talkbench.hashing import sha256_file, talkbench_home

_overrides: dict[str, Path] = {}


@dataclass(frozen=True)
class WeightSpec:
    """A weights file: ``name`` (the --weights key), ``filename`` on disk, where to get it."""

    name: str
    filename: str
    urls: tuple[str, ...] = ()
    sha256: str | None = None  # None: not published; recorded at first use instead
    description: str = ""
    license: str = ""
    #: extra places a third-party library looks for the file (e.g. torch hub checkpoints)
    also_at: tuple[str, ...] = field(default_factory=tuple)


def weights_dir() -> Path:
    return talkbench_home() / "weights"


def set_weight_override(name: str, path: str | Path) -> None:
    """Use ``path`` for weights ``name`` in this process (the CLI's ``--weights NAME=PATH``)."""
    p = Path(path).expanduser()
    if not p.is_file():
        raise WeightsMissingError(f"--weights {name}={path}: no such file")
    _overrides[name] = p.resolve()


def clear_weight_overrides() -> None:
    _overrides.clear()


def _env_overrides() -> dict[str, Path]:
    raw = os.environ.get("TALKBENCH_WEIGHTS", "")
    out = {}
    for item in filter(None, (s.strip() for s in raw.split(","))):
        if "=" in item:
            k, v = item.split("=", 1)
            out[k.strip()] = Path(v).expanduser()
    return out


def override_for(name: str) -> Path | None:
    return _overrides.get(name) or _env_overrides().get(name)


def check_weights_file(path: Path) -> None:
    """Reject the usual wrong downloads: an HTML page, a git-LFS pointer, an empty file."""
    size = path.stat().st_size
    if size == 0:
        raise WeightsInvalidError(f"{path}: weights file is empty; download it again")
    with open(path, "rb") as f:
        head = f.read(512)
    text = head.lstrip().lower()
    if text.startswith((b"<!doctype html", b"<html", b"<?xml", b"<head")):
        raise WeightsInvalidError(
            f"{path}: is an HTML page, not weights (a login or error page was saved); "
            "download the file itself"
        )
    if head.startswith(b"version https://git-lfs.github.com/spec"):
        raise WeightsInvalidError(
            f"{path}: is a git-LFS pointer, not weights; run `git lfs pull` or download the file"
        )


#: what ``torch.load`` raises for a file that is not a checkpoint (random bytes, a cut download)
def torch_load_errors() -> tuple[type[BaseException], ...]:
    import pickle

    return (pickle.UnpicklingError, RuntimeError, EOFError, ValueError, UnicodeDecodeError)


def invalid_checkpoint(path: str | Path, exc: BaseException, what: str = "weights") -> WeightsInvalidError:
    """One line for a file torch cannot read: the file, what is wrong, the fix (never torch's
    advice to set ``weights_only=False``, which would run code from an untrusted file)."""
    path = Path(path)
    head = b""
    try:
        with open(path, "rb") as f:
            head = f.read(4)
    except OSError:
        pass
    if head.startswith(b"PK"):
        kind = "a damaged or truncated zip checkpoint"
    elif head[:1] == b"\x80":
        kind = "a pickle that is not a plain tensor checkpoint, or a damaged one"
    else:
        kind = "not a PyTorch checkpoint (neither a zip nor a pickle file)"
    # torch's own text (several lines of advice that does not apply) is left out; its type stays
    return WeightsInvalidError(
        f"{path}: cannot load {what}: {kind} ({type(exc).__name__}); download the file again "
        "(or pass the right file with --weights)"
    )


def load_torch_checkpoint(path: str | Path, what: str = "weights") -> Any:
    """``torch.load(path, weights_only=True)`` on CPU with a one-line error for a bad file."""
    import torch

    path = Path(path)
    check_weights_file(path)
    try:
        return torch.load(str(path), map_location="cpu", weights_only=True)
    except torch_load_errors() as exc:
        raise invalid_checkpoint(path, exc, what) from None


#: the registry of weight specs (talkbench.plugins installs its lookup on import): weights.py
#: never imports the plugin registry, which imports the interfaces, which use weight_record
_spec_lookup: Callable[[], Mapping[str, WeightSpec]] = lambda: {}


def use_spec_registry(lookup: Callable[[], Mapping[str, WeightSpec]]) -> None:
    """Where ``resolve_weight(name)`` finds the WeightSpec of a name (set by talkbench.plugins)."""
    global _spec_lookup
    _spec_lookup = lookup


def _spec(name: str):
    return _spec_lookup().get(name)


def default_path(spec: WeightSpec) -> Path:
    return weights_dir() / spec.filename


def resolve_weight(name: str, spec: WeightSpec | None = None) -> Path:
    """The verified local file for ``name``, or a one-line error saying how to get it."""
    path = override_for(name)
    if path is not None:
        if not path.is_file():
            raise WeightsMissingError(f"weights {name!r}: override {path} does not exist")
        check_weights_file(path)
        return path
    spec = spec or _spec(name)
    if spec is None:
        raise WeightsMissingError(
            f"weights {name!r} are not registered by any plugin; pass --weights {name}=PATH"
        )
    candidates = [default_path(spec)] + [Path(p).expanduser() for p in spec.also_at]
    for cand in candidates:
        if cand.is_file():
            check_weights_file(cand)
            if spec.sha256 and sha256_file(cand) != spec.sha256:
                raise WeightsInvalidError(
                    f"{cand}: sha256 {sha256_file(cand)[:12]}… does not match the published "
                    f"{spec.sha256[:12]}… for {name!r}; delete it and download again"
                )
            return cand
    url = spec.urls[0] if spec.urls else "(no public URL)"
    raise WeightsMissingError(
        f"weights {name!r} missing: download {spec.filename} from {url} and put it at "
        f"{default_path(spec)} (or pass --weights {name}=PATH)"
    )


def weight_record(name: str, spec: WeightSpec | None = None) -> dict[str, Any]:
    """What a run record keeps about the weights it used: path, sha256, whether overridden."""
    path = resolve_weight(name, spec)
    return {
        "name": name,
        "path": str(path),
        "sha256": sha256_file(path),
        "override": override_for(name) is not None,
    }


def weight_status(spec: WeightSpec) -> dict[str, Any]:
    """For ``talkbench weights``: present/missing/invalid and where."""
    try:
        path = resolve_weight(spec.name, spec)
        return {"name": spec.name, "status": "present", "path": str(path)}
    except WeightsMissingError:
        return {"name": spec.name, "status": "missing", "path": str(default_path(spec))}
    except WeightsInvalidError as exc:
        return {"name": spec.name, "status": "invalid", "path": str(default_path(spec)), "error": str(exc)}


def download_weight(spec: WeightSpec, timeout: float = 60.0) -> Path:
    """Fetch ``spec`` from its URLs into the weights dir (atomic; checksum verified if known)."""
    import urllib.request  # here: every command imports this module, few download

    dest = default_path(spec)
    dest.parent.mkdir(parents=True, exist_ok=True)
    errors = []
    for url in spec.urls:
        fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=f".{spec.filename}.")
        try:
            with urllib.request.urlopen(url, timeout=timeout) as resp, os.fdopen(fd, "wb") as out:
                shutil.copyfileobj(resp, out)
            check_weights_file(Path(tmp))
            if spec.sha256 and sha256_file(tmp) != spec.sha256:
                raise WeightsInvalidError(f"{url}: sha256 mismatch")
            os.replace(tmp, dest)
            return dest
        except (OSError, WeightsInvalidError) as exc:
            errors.append(f"{url}: {exc}")
            Path(tmp).unlink(missing_ok=True)
    raise WeightsMissingError(
        f"could not download {spec.filename} ({'; '.join(errors) or 'no URL'}); "
        f"put it at {dest} by hand"
    )
