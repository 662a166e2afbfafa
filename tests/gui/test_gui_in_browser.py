"""NengoGUI on the chip, in a real browser: play, time advances, the plot shows the sine.

Starts NengoGUI (``nengo -b nengo_truenorth``) on a bundled model (``sine_model.py``:
a 1 Hz sine into an ensemble on the chip, with a value plot of the ensemble), drives
headless Chromium with Selenium, presses play, and reads the page's own objects:
the simulator time (``sim.time``) and the value plot's data. Skipped cleanly without
NengoGUI, Selenium, or Debian's ``chromium`` and ``chromium-driver`` (``make
test-gui`` installs the Python side; see docs/gui.md).
"""

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("nengo_gui")
webdriver = pytest.importorskip("selenium.webdriver")

HERE = Path(__file__).parent
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"

pytestmark = pytest.mark.skipif(
    not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)),
    reason="no chromium and chromedriver (Debian: apt install chromium chromium-driver)",
)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def gui_url(tmp_path):
    """NengoGUI serving a copy of the bundled model on the chip; its URL."""
    for name in ("sine_model.py", "sine_model.py.cfg"):
        shutil.copy(HERE / name, tmp_path / name)
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable, "-c",
            "import importlib, sys; "
            "sys.exit(importlib.import_module('nengo_gui.main').main())",
            "-b", "nengo_truenorth", "--no-browser", "-P", str(port),
            str(tmp_path / "sine_model.py"),
        ],  # fmt: skip
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        url = None
        deadline = time.monotonic() + 60
        while url is None and time.monotonic() < deadline:
            line = server.stdout.readline()
            if not line and server.poll() is not None:
                break
            found = re.search(r"(http://\S+)", line)
            if found:
                url = found[1]
        if url is None:
            pytest.fail(f"NengoGUI did not start (exit {server.poll()})")
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture
def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
        "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--window-size=1200,800",
    ):  # fmt: skip
        options.add_argument(flag)
    service = webdriver.ChromeService(executable_path=CHROMEDRIVER)
    driver = webdriver.Chrome(options=options, service=service)
    try:
        yield driver
    finally:
        driver.quit()


def wait_for(driver, script, timeout, what):
    """Poll a JavaScript expression until it is truthy; return its value."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = driver.execute_script(f"try {{ return {script}; }} catch (e) {{ }}")
        if value:
            return value
        time.sleep(0.25)
    pytest.fail(f"timed out after {timeout} s waiting for {what}")


VALUE_PLOT_DATA = """
var plots = Nengo.Component.components.filter(function (c) {
    return c.data_store && c.n_lines === 1; });
if (plots.length !== 1) { return null; }
var store = plots[0].data_store;
return [store.times.slice(), store.data[0].slice()];
"""


def test_play_on_the_chip_advances_time_and_plots_the_sine(gui_url, browser):
    browser.get(gui_url)
    wait_for(browser, "typeof sim !== 'undefined' && sim.ws", 30, "the page")
    browser.find_element("id", "pause_button").click()  # the play button
    # the first play builds the network and compiles the emulator's kernels
    wait_for(browser, "sim.time > 1.5", 120, "1.5 s of simulated time")
    times, values = browser.execute_script(VALUE_PLOT_DATA)
    times, values = np.asarray(times, float), np.asarray(values, float)
    late = times > 0.5  # after the build's first steps and the plot's synapse
    assert late.sum() > 100, f"{late.sum()} plot samples after 0.5 s"
    # the ensemble's decoded value follows the sine it is fed (through the
    # probe's 10 ms filter and the chip's path: a few ms of lag)
    expected = np.sin(2 * np.pi * (times[late] - 0.01))
    assert np.corrcoef(values[late], expected)[0, 1] > 0.9
    assert values[late].max() > 0.7 and values[late].min() < -0.7
