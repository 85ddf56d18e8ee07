"""Shared fixtures. Qt runs offscreen; core tests never import Qt."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Tests must not read or write the user's real data or settings.
os.environ.setdefault("PEMDESK_LANG", "mn")

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    monkeypatch.delenv("PEMDESK_DATA_DIR", raising=False)


@pytest.fixture(autouse=True)
def _language() -> None:
    from pemdesk import i18n

    i18n.set_language("mn")


@pytest.fixture
def shared_data() -> Path:
    """Real files made by others, read in place from ../shared/data."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"../shared/data is absent ({SHARED_DATA}); the test's own fixtures cover this path")
    return SHARED_DATA


@pytest.fixture
def store(tmp_path: Path):
    from pemdesk.storage import Store

    s = Store.open(tmp_path / "data")
    yield s
    s.close()


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder with the demo loaded once per session; copy it, never write to it."""
    from pemdesk.demo import load_demo
    from pemdesk.storage import Store

    folder = tmp_path_factory.mktemp("demo-template")
    with Store.open(folder) as s:
        load_demo(s)
        s.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return folder


@pytest.fixture
def demo_dir(demo_template: Path, tmp_path: Path) -> Path:
    target = tmp_path / "demo"
    shutil.copytree(demo_template, target)
    return target


@pytest.fixture
def demo_store(demo_dir: Path):
    from pemdesk.storage import Store

    s = Store.open(demo_dir)
    yield s
    s.close()
