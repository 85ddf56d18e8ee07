"""Making a rename durable: fsync the folder that holds the new name (after the file itself)."""

from __future__ import annotations

import os
from pathlib import Path


def fsync_dir(folder: Path) -> None:
    """Flush a folder's entries, so a file renamed into it survives a power cut.

    Windows cannot open a folder for fsync; there the file's own fsync is what matters.
    """
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_file(path: Path) -> None:
    """Flush a file's content to the disk (a copy onto a USB stick, before it is renamed)."""
    with open(path, "rb+") as handle:
        os.fsync(handle.fileno())
