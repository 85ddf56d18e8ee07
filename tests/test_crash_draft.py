"""Kill the program (SIGKILL) while a visit is being edited: on the next start the draft is there,
intact, with a notice. The program runs in real child processes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = [pytest.mark.ui, pytest.mark.skipif(os.name != "posix", reason="SIGKILL is POSIX")]

CHILD = Path(__file__).with_name("crash_child.py")


def _start(mode: str, data_dir: Path) -> subprocess.Popen[str]:
    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    return subprocess.Popen(
        [sys.executable, str(CHILD), mode, str(data_dir)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def _read_line(proc: subprocess.Popen[str], prefix: str, timeout: float = 30) -> str:
    deadline = time.monotonic() + timeout
    assert proc.stdout is not None
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if line.startswith(prefix):
            return line[len(prefix) :].strip()
        if not line and proc.poll() is not None:
            break
    proc.kill()
    raise AssertionError(
        f"child never said {prefix!r}; stderr:\n{proc.stderr.read() if proc.stderr else ''}"
    )


def test_sigkill_while_editing_keeps_the_draft(demo_dir: Path) -> None:
    child = _start("edit", demo_dir)
    try:
        visit_id = _read_line(child, "EDITED ")
        time.sleep(1.5)  # the promise: every change is in the store within about a second
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(10)
    assert child.returncode == -signal.SIGKILL

    again = _start("reopen", demo_dir)
    try:
        shown = json.loads(_read_line(again, "REOPENED "))
        again.wait(20)
    finally:
        if again.poll() is None:
            again.kill()
    assert shown["visit_id"] == visit_id
    assert shown["status"] == "draft"
    assert "draft was kept" in shown["notice"] or "ноорог хадгалагдсан" in shown["notice"]
    assert shown["purpose"] == "Тоосны хяналт — осол"
    assert shown["weather"] == "салхитай"
    assert shown["notes"] == "Унтрахаас өмнө бичсэн тэмдэглэл"
    assert ["air.pm10", "123.4"] in shown["observations"]

    from pemdesk.storage import Store

    with Store.open(demo_dir) as store:
        assert store.check() == []
        obs = store.observations_of(visit_id)
        assert [(o.indicator, o.value_num) for o in obs] == [("air.pm10", 123.4)]
