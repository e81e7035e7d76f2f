"""Headless Debian Chromium driven by selenium, for the HTML report tests (skips when absent)."""

from __future__ import annotations

import shutil
import tempfile
import time

import pytest

CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--window-size=1400,1000")
SKIP = "browser test skipped: needs Debian chromium + chromium-driver (apt-get install -y chromium chromium-driver) and selenium"


def start_browser():
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver_bin = shutil.which("chromedriver")
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        pytest.skip(SKIP)
    if not chromium or not driver_bin:
        pytest.skip(SKIP)
    opts = webdriver.ChromeOptions()
    opts.binary_location = chromium
    for flag in CHROMIUM_FLAGS:
        opts.add_argument(flag)
    profile = tempfile.mkdtemp(prefix="tb-chromium-")  # a fresh profile every run
    opts.add_argument(f"--user-data-dir={profile}")
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(driver_bin), options=opts)
    return driver, profile


def wait_for(driver, script: str, timeout: float = 15.0, every: float = 0.1):
    """Poll a JS expression until it is truthy; return its value (fail with the expression)."""
    end = time.monotonic() + timeout
    value = None
    while time.monotonic() < end:
        value = driver.execute_script("return " + script)
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout}s waiting for: {script} (last value {value!r})")


def console_errors(driver) -> list[dict]:
    return [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]
