"""The HTML report in a real browser (headless Chromium): leaderboard rows and CIs, sorting,
side-by-side players that load and seek together, no console errors, a screenshot to look at."""

from __future__ import annotations

import json
import os
import shutil
import types

import numpy as np
import pytest

import talkbench
from chromium_driver import console_errors, start_browser, wait_for
from talkbench.plugins import pm

TINY = {"size": 64, "n_speakers": 3, "clips_per_speaker": 4, "seconds": 1}


class Shift(talkbench.Generator):
    """Test generator: the source rolled sideways by ``amount`` pixels (worse than GT, unlike static)."""

    name = "shiftgen"
    options = (talkbench.Option("amount", int, 2, "pixels"),)

    def generate(self, source, audio, *, seed=None):
        return source.replace(frames=np.roll(source.frames, self.options["amount"], axis=2))


@pytest.fixture(scope="module")
def driver():
    drv, profile = start_browser()
    yield drv
    drv.quit()
    shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="module")
def demo_report(tmp_path_factory):
    """gt, static and shiftgen on 3 tiny demo clips (psnr, ssim), then the HTML report."""
    from talkbench.records import load_records
    from talkbench.reports.html import write_html_report
    from talkbench.runner import run_benchmark

    tmp = tmp_path_factory.mktemp("htmlreport")
    old_home = os.environ.get("TALKBENCH_HOME")
    os.environ["TALKBENCH_HOME"] = str(tmp / "home")
    plugin = types.SimpleNamespace(register_generators=talkbench.hookimpl(lambda register: register(Shift)))
    pm.register(plugin, name="_test_shiftgen")
    try:
        for model in ("gt", "static", "shiftgen"):
            run_benchmark(model, "demo", limit=3, metrics=["psnr", "ssim"], device="cpu", out=tmp / "results",
                          progress=False, dataset_options=TINY)
        index = write_html_report(load_records(tmp / "results"), tmp / "report", strips=1)
    finally:
        pm.unregister(name="_test_shiftgen")
        if old_home is None:
            os.environ.pop("TALKBENCH_HOME", None)
        else:
            os.environ["TALKBENCH_HOME"] = old_home
    return index


def test_leaderboard_rows_cis_and_sorting(driver, demo_report):
    stats = json.loads((demo_report.parent / "stats.json").read_text())
    driver.get(demo_report.as_uri())
    rows = driver.execute_script(
        "return [...document.querySelectorAll('#leaderboard tbody tr')].map(r => r.dataset.run)")
    assert len(rows) == 3 and set(rows) == set(stats["runs"])
    assert [stats["runs"][r]["model"] for r in rows] == ["gt", "static", "shiftgen"]
    for run_id in rows:  # every value shows its interval, as stats.json has it
        for metric, dec in (("psnr", 2), ("ssim", 3)):
            ci = stats["runs"][run_id]["metrics"][metric]
            col = 5 + ["psnr", "ssim"].index(metric)
            text = driver.execute_script(
                f"return document.querySelector('#leaderboard tr[data-run=\"{run_id}\"]').cells[{col}].innerText")
            if "value" not in ci:  # gt scored as itself: identical frames, PSNR undefined (the paper's N/A)
                assert stats["runs"][run_id]["model"] == "gt" and metric == "psnr" and "N/A" in text
                continue
            assert f"{ci['value']:.{dec}f}" in text and f"[{ci['low']:.{dec}f}, {ci['high']:.{dec}f}]" in text
            assert ci["low"] <= ci["value"] <= ci["high"]
    # sorted by SSIM: every run has one (gt's PSNR is N/A)
    psnr = {r: stats["runs"][r]["metrics"]["ssim"]["value"] for r in rows}
    header = driver.find_element("css selector", "#leaderboard th[data-metric='ssim']")
    header.click()
    asc = driver.execute_script("return [...document.querySelectorAll('#leaderboard tbody tr')].map(r => r.dataset.run)")
    assert asc == sorted(psnr, key=psnr.get)
    header.click()
    desc = driver.execute_script("return [...document.querySelectorAll('#leaderboard tbody tr')].map(r => r.dataset.run)")
    assert desc == sorted(psnr, key=psnr.get, reverse=True)
    shot = demo_report.parent.parent / "leaderboard.png"
    driver.save_screenshot(str(shot))
    print(f"\nscreenshot: {shot}")
    assert console_errors(driver) == []


def test_clip_table_and_side_by_side_players_seek_together(driver, demo_report):
    driver.get((demo_report.parent / "clips.html").as_uri())
    wait_for(driver, "document.body.dataset.ready")
    links = driver.execute_script("return [...document.querySelectorAll('#clips tbody a')].map(a => a.href)")
    assert len(links) == 3
    first = driver.execute_script("return document.querySelector('#clips tbody tr').cells[2].innerText")
    means = driver.execute_script("return [...document.querySelectorAll('#clips tbody tr')].map(r => parseFloat(r.cells[2].innerText))")
    assert means == sorted(means) and float(first) == means[0]  # PSNR ↑: worst (lowest) first
    driver.get(links[0])
    wait_for(driver, "document.body.dataset.ready")
    n = driver.execute_script("return document.querySelectorAll('video').length")
    assert n == 3  # GT and both models
    wait_for(driver, "[...document.querySelectorAll('video')].every(v => v.readyState >= 2)")
    driver.execute_script("document.querySelectorAll('video')[1].currentTime = 0.6")
    times = wait_for(driver, "(t => t.every(x => Math.abs(x - 0.6) < 0.02) && t)"
                             "([...document.querySelectorAll('video')].map(v => v.currentTime))")
    assert len(times) == 3
    driver.execute_script("const s = document.getElementById('seek'); s.value = 0.2;"
                          "s.dispatchEvent(new Event('input'))")
    wait_for(driver, "[...document.querySelectorAll('video')].every(v => Math.abs(v.currentTime - 0.2) < 0.02)")
    labels = driver.execute_script("return [...document.querySelectorAll('.player h3')].map(h => h.innerText)")
    assert labels == ["GT", "Static", "shiftgen"]
    wait_for(driver, "document.getElementById('strip').hidden === false && document.getElementById('strip').complete")
    shot = demo_report.parent.parent / "side_by_side.png"
    driver.save_screenshot(str(shot))
    print(f"\nscreenshot: {shot}")
    assert console_errors(driver) == []


def test_per_clip_table_of_1321_clips_by_6_runs_opens_in_under_2s(driver, tmp_path):
    """LRS3-sized: the page draws one page of rows; the data file loads after first paint."""
    from synth_runs import write_run
    from talkbench.records import load_records
    from talkbench.reports.html import write_html_report

    metrics = ("psnr", "ssim", "lpips", "lse_c", "lse_d", "wer")
    for i, (model, offset) in enumerate((("gt", 1.5), ("static", -1.0), ("wav2lip", 0.2), ("talklip", 0.1),
                                         ("difftalk", -0.3), ("syncdiff", 0.4))):
        write_run(tmp_path / "results", model, n_clips=1321, metrics=metrics, offset=offset, seed=i,
                  failed=3 if model == "difftalk" else 0)
    index = write_html_report(load_records(tmp_path / "results"), tmp_path / "report", n_resamples=100,
                              strips=0, plots=False)
    driver.get((index.parent / "clips.html").as_uri())
    ms = float(wait_for(driver, "document.body.dataset.readyMs", timeout=10))
    assert ms < 2000, f"per-clip table took {ms:.0f} ms to open"
    info = driver.execute_script("return document.getElementById('pageinfo').innerText")
    assert info == "clips 1–100 of 1321"
    assert driver.execute_script("return document.querySelectorAll('#clips tbody tr').length") == 100
    driver.find_element("id", "next").click()
    assert driver.execute_script("return document.getElementById('pageinfo').innerText") == "clips 101–200 of 1321"
    # every run × metric, sorted by one run's column (worst first: lowest PSNR)
    driver.find_element("id", "all").click()
    assert driver.execute_script("return document.querySelectorAll('#clips thead th').length") == 3 + 6 * 6
    driver.find_element("css selector", "#clips th[data-col='1:0']").click()  # Static PSNR
    col = driver.execute_script("return [...document.querySelectorAll('#clips tbody tr')].map(r => parseFloat(r.cells[4].innerText))")
    assert len(col) == 100 and col == sorted(col)
    driver.find_element("css selector", "#clips th[data-col='1:2']").click()  # Static LPIPS ↓: highest first
    col = driver.execute_script("return [...document.querySelectorAll('#clips tbody tr')].map(r => parseFloat(r.cells[3 + 2 * 6 + 1].innerText))")
    assert col == sorted(col, reverse=True)
    # a clip difftalk failed on: N/A in its column, the failure reason on hover
    driver.find_element("id", "all").click()
    driver.execute_script("const f = document.getElementById('filter'); f.value = 'spk00_000';"
                          "f.dispatchEvent(new Event('input'))")
    assert driver.execute_script("return document.getElementById('pageinfo').innerText") == "clips 1–1 of 1"
    na = driver.execute_script("return [...document.querySelectorAll('#clips td.na')].map(td => [td.cellIndex, td.title])")
    assert na == [[3 + 4, "generate: no face found in frame 0"]]  # clip, dataset, mean, then runs: difftalk is 5th
    shot = tmp_path / "clip_table.png"
    driver.save_screenshot(str(shot))
    print(f"\nper-clip table (1321 clips × 6 runs) opened in {ms:.0f} ms; screenshot: {shot}")
    assert console_errors(driver) == []
