"""`talkbench --version` answers without loading plugins, torch or scipy.signal."""

from __future__ import annotations

import subprocess
import sys

from click.testing import CliRunner


def test_version_imports_nothing_heavy():
    code = ("import sys; sys.argv = ['talkbench', '--version']\n"
            "from talkbench.cli import main\nmain()\n"
            "heavy = [m for m in ('torch', 'scipy.signal', 'talkbench_syncnet', 'syncdiff_model', 'cv2') "
            "if m in sys.modules]\nprint('HEAVY', heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=True).stdout
    assert "talkbench, version 0.1.0" in out
    assert "HEAVY []" in out


def test_version_option_of_the_group_agrees():
    from talkbench.cli import cli

    res = CliRunner().invoke(cli, ["--version"])
    assert res.exit_code == 0 and res.output == "talkbench, version 0.1.0\n"
