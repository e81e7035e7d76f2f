"""talkbench chooses torch's intra-op threads (--threads > TALKBENCH_THREADS > OMP_NUM_THREADS > 1)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from talkbench import threads
from talkbench.errors import OptionError


@pytest.fixture
def clean_env(monkeypatch):
    for var in (threads.ENV, "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setattr(threads, "_choice", None)
    return monkeypatch


def test_precedence_option_env_omp_default(clean_env):
    assert threads.resolve_threads() == (threads.DEFAULT_THREADS, "default") == (1, "default")
    clean_env.setenv("OMP_NUM_THREADS", "3")
    assert threads.resolve_threads() == (3, "env:OMP_NUM_THREADS")
    clean_env.setenv(threads.ENV, "auto")
    assert threads.resolve_threads() == (0, "env:TALKBENCH_THREADS")
    assert threads.resolve_threads("2") == (2, "option")


@pytest.mark.parametrize("bad", ["two", "-1", "1.5"])
def test_bad_value_is_one_line_naming_the_source(clean_env, bad):
    clean_env.setenv(threads.ENV, bad)
    with pytest.raises(OptionError, match=rf"TALKBENCH_THREADS='{bad}'.*whole number"):
        threads.resolve_threads()


def test_apply_after_torch_import_sets_torch_and_is_recorded(clean_env):
    import torch

    before = torch.get_num_threads()
    try:
        assert threads.apply_threads(2) == 2
        assert torch.get_num_threads() == 2
        assert threads.thread_record() == {"intra_op": 2, "source": "option", "torch_threads": 2}
    finally:
        torch.set_num_threads(before)


def test_apply_before_torch_import_reaches_torch_through_the_environment():
    """The CLI applies the choice before torch loads (start-up stays torch-free)."""
    code = ("import sys; from talkbench.threads import apply_threads, thread_record; apply_threads(); "
            "assert 'torch' not in sys.modules; import torch, json; "
            "print(json.dumps([torch.get_num_threads(), thread_record()]))")
    env = {k: v for k, v in os.environ.items() if k not in (threads.ENV, "OMP_NUM_THREADS", "MKL_NUM_THREADS")}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    n, rec = json.loads(out.stdout)
    assert n == 1 and rec == {"intra_op": 1, "source": "default", "torch_threads": 1}


def test_cli_threads_option_reaches_the_record_environment(clean_env):
    from click.testing import CliRunner

    from talkbench.cli import cli
    from talkbench.records import environment

    import torch

    before = torch.get_num_threads()
    try:
        res = CliRunner().invoke(cli, ["--threads", "2", "models"])
        assert res.exit_code == 0, res.output
        assert environment("cpu")["threads"] == {"intra_op": 2, "source": "option", "torch_threads": 2}
        res = CliRunner().invoke(cli, ["--threads", "lots", "models"])
        assert res.exit_code != 0 and "--threads='lots'" in res.output
    finally:
        torch.set_num_threads(before)
