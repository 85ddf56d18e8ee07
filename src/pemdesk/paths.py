"""Where the program keeps its data: ``--data-dir``, else ``PEMDESK_DATA_DIR``, else platformdirs."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "pemdesk"


def default_data_dir() -> Path:
    env = os.environ.get("PEMDESK_DATA_DIR")
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def demo_data_dir() -> Path:
    """A separate folder for ``--demo``, so demo records never mix with real ones."""
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)).with_name(f"{APP_NAME}-demo")


def demo_dir_for(data_dir: Path) -> Path:
    """The demo folder that belongs to a data folder: the usual one for the usual folder, else a
    sibling (``--data-dir /x/field`` → ``/x/field-demo``), so ``--data-dir`` is honoured."""
    if Path(data_dir).expanduser() == default_data_dir():
        return demo_data_dir()
    data_dir = Path(data_dir).expanduser()
    return data_dir.with_name(data_dir.name + "-demo")


def resolve_data_dir(option: str | os.PathLike[str] | None, demo: bool = False) -> Path:
    if option:
        return Path(option).expanduser()
    return demo_data_dir() if demo else default_data_dir()
