"""The Qt steps of ``pemdesk --self-test`` and the start-up probe."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from pemdesk import selftest
from pemdesk.ui import selftest as qt_selftest

pytestmark = pytest.mark.ui


def test_every_step_passes_and_images_are_not_blank(qtbot, tmp_path: Path) -> None:
    report = selftest.run(tmp_path, qt=True)
    assert report.ok, report.text()
    names = [s.name for s in report.steps]
    assert names[-7:] == [
        "qt import",
        "qt start",
        "qt fonts",
        "qt text services",
        "map image",
        "main window",
        "licences",
    ]
    for name in ("map.png", "window.png"):
        image = QImage(str(tmp_path / name))
        assert not image.isNull() and image.width() > 800
        assert qt_selftest.distinct_colours(image) >= 4


def test_text_services_fail_on_code_point_sorting(qtbot, tmp_path: Path, monkeypatch) -> None:
    """What the bundle's trimmed ICU data must still give: a Qt without collation data sorts by
    code point (ө, ү after я) and the step says so."""
    from PySide6.QtCore import QCollator

    checks = qt_selftest.QtChecks(tmp_path, tmp_path)
    assert "Mongolian sorting" in checks.text_services()
    monkeypatch.setattr(QCollator, "sortKey", lambda self, text: text)  # type: ignore[misc]
    with pytest.raises(selftest.SelfTestFailure, match="Mongolian sorting"):
        checks.text_services()


def test_blank_image_is_recognised(qtbot) -> None:
    image = QImage(200, 100, QImage.Format.Format_RGB32)
    image.fill(0xFFFFFF)
    assert qt_selftest.distinct_colours(image) == 1


def test_startup_probe_reports_ready(tmp_path: Path) -> None:
    """As CI runs it: a fresh process on a prepared data folder (app.exec() and quit inside)."""
    import os
    import subprocess
    import sys

    from pemdesk.demo import load_demo
    from pemdesk.storage import Store

    data = tmp_path / "data"
    with Store.open(data) as store:
        load_demo(store)
    env = dict(os.environ, PEMDESK_T0=repr(__import__("time").time()))
    done = subprocess.run(
        [sys.executable, "-m", "pemdesk", "--data-dir", str(data), "--self-test=startup",
         "--self-test-out", str(tmp_path)],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    line = [x for x in done.stdout.splitlines() if x.startswith("start-up: ")][-1]
    seconds = float(line.split()[1])
    assert 0 < seconds < 60
    assert "interactive main window" in line
    assert (tmp_path / "startup-window.png").is_file()


def test_process_start_time_is_in_the_past(monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    monkeypatch.delenv("PEMDESK_T0", raising=False)
    start = qt_selftest.process_start_time()
    if start is not None:  # Linux: from /proc
        assert time.time() - 3600 * 24 < start <= time.time()
    monkeypatch.setenv("PEMDESK_T0", "1234.5")
    assert qt_selftest.process_start_time() == 1234.5
