"""Base install (no torchvision / lpips): LPIPS is unavailable with the extra to install and the
backbone's file, URL and path, never a bare ModuleNotFoundError."""

from __future__ import annotations

import sys

import pytest

from talkbench import MetricUnavailable
from talkbench_imagequality import LPIPS, lpips_metric


def _no_torchvision():
    raise ModuleNotFoundError("No module named 'torchvision'", name="torchvision")


def test_missing_torchvision_names_the_extra_and_the_weights_file(monkeypatch, tmp_path):
    monkeypatch.setenv("TALKBENCH_HOME", str(tmp_path))  # no AlexNet file here
    monkeypatch.setattr(lpips_metric, "import_torchvision", _no_torchvision)
    with pytest.raises(MetricUnavailable) as exc:
        LPIPS().load("cpu")
    msg = str(exc.value)
    assert "\n" not in msg
    assert msg.startswith("lpips: needs the `lpips` extra (torchvision is not installed): "
                          "pip install -c constraints-cpu.txt 'talkbench[lpips]'")
    assert "alexnet-owt-7be5be79.pth" in msg and "https://download.pytorch.org/models/alexnet-owt-7be5be79.pth" in msg
    assert str(tmp_path / "weights" / "alexnet-owt-7be5be79.pth") in msg


def test_missing_lpips_package(monkeypatch, tmp_path):
    monkeypatch.setenv("TALKBENCH_HOME", str(tmp_path))
    monkeypatch.setitem(sys.modules, "lpips", None)  # `import lpips` raises ModuleNotFoundError
    with pytest.raises(MetricUnavailable, match=r"needs the `lpips` extra \(lpips is not installed\)"):
        LPIPS().load("cpu")
