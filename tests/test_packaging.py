"""Packaging guards: the PySide6 pin, the Qt-free core, shipped resources with their licences."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import pemdesk
from pemdesk.resources import resource_path

REPO = Path(__file__).resolve().parents[1]


def test_pyside6_is_not_the_release_that_crashes_python_311() -> None:
    from importlib.metadata import version

    qt = tuple(int(x) for x in version("PySide6-Essentials").split(".")[:2])
    if sys.version_info < (3, 12):
        assert qt < (6, 12), "PySide6 6.12.0 aborts CPython 3.11 (none_dealloc); see PLATFORM.md"
    pyproject = (REPO / "pyproject.toml").read_text()
    assert "PySide6-Essentials>=6.8,<6.12; python_version < '3.12'" in pyproject


def test_ten_thousand_void_qt_calls_do_not_abort_the_interpreter() -> None:
    code = textwrap.dedent(
        """
        import os
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        from PySide6.QtGui import QPen
        from PySide6.QtWidgets import QApplication, QWidget, QGraphicsScene
        app = QApplication([])
        w = QWidget()
        scene = QGraphicsScene()
        item = scene.addRect(0, 0, 1, 1)
        for i in range(10_000):
            w.setObjectName(f"w{i % 10}")
            item.setPen(QPen())
        print("survived")
        """
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "survived" in result.stdout


def core_modules() -> list[str]:
    names = []
    for info in pkgutil.walk_packages(pemdesk.__path__, "pemdesk."):
        if info.name.startswith("pemdesk.ui") or info.name in ("pemdesk.cli.gui", "pemdesk.__main__"):
            continue
        names.append(info.name)
    return names


def test_the_core_imports_without_qt() -> None:
    modules = core_modules()
    assert "pemdesk.storage.store" in modules and "pemdesk.cli" in modules
    code = textwrap.dedent(
        f"""
        import importlib, sys
        for name in {modules!r}:
            importlib.import_module(name)
        qt = sorted(m for m in sys.modules if m.startswith("PySide6") or m.startswith("pemdesk.ui"))
        print(qt)
        """
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip() == "[]"


@pytest.mark.parametrize(
    "parts",
    [
        ("fonts", "DejaVuSans.ttf"),
        ("fonts", "DejaVuSans-Bold.ttf"),
        ("fonts", "LICENSE.md"),
        ("boundaries", "soums.geojson"),
        ("boundaries", "ATTRIBUTION.md"),
        ("catalogue", "indicators.json"),
        ("catalogue", "SOURCES.md"),
        ("locale", "mn", "LC_MESSAGES", "pemdesk.po"),
    ],
)
def test_shipped_resources_are_found(parts: tuple[str, ...]) -> None:
    assert resource_path(*parts).is_file()


def test_boundaries_carry_the_odbl_attribution() -> None:
    text = resource_path("boundaries", "ATTRIBUTION.md").read_text(encoding="utf-8")
    assert "© OpenStreetMap contributors, via geoBoundaries" in text
    assert "ODbL" in text


def test_the_wheel_ships_the_resources(tmp_path: Path) -> None:
    pytest.importorskip("hatchling")
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w", str(tmp_path), str(REPO)],
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    import zipfile

    wheel = next(tmp_path.glob("pemdesk-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "pemdesk/resources/fonts/DejaVuSans.ttf" in names
    assert "pemdesk/resources/boundaries/soums.geojson" in names
    assert "pemdesk/resources/catalogue/indicators.json" in names
