"""One photo-file writer at a time per data folder, across processes (the GUI and the CLI).

An import copies files in before their records exist; a purge running meanwhile in another
process would see those files as unreferenced and delete them. Both take this lock (an OS file
lock on ``photos/.lock``, released by the OS if the process dies): an import waits for a purge,
a purge refuses at once while an import runs.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pemdesk.errors import InvalidInput


def _try_lock(fd: int) -> bool:
    if sys.platform == "win32":  # pragma: no cover - Windows
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except OSError:
        return False


def _unlock(fd: int) -> None:
    if sys.platform == "win32":  # pragma: no cover - Windows
        import msvcrt

        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
        return
    import fcntl

    fcntl.flock(fd, fcntl.LOCK_UN)


@contextmanager
def photo_files_lock(data_dir: Path, *, wait_s: float = 0.0) -> Iterator[None]:
    """Hold the data folder's photo lock; wait up to ``wait_s`` seconds, then refuse."""
    folder = Path(data_dir) / "photos"
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        deadline = time.monotonic() + wait_s
        while not _try_lock(fd):
            if time.monotonic() >= deadline:
                raise InvalidInput(
                    "Өөр програм энэ өгөгдлийн хавтсанд зураг оруулж эсвэл цэвэрлэж байна; "
                    "дууссаны дараа дахин оролдоно уу.",
                    "Another program is importing or purging photos in this data folder; "
                    "try again when it has finished.",
                    detail=str(folder / ".lock"),
                )
            time.sleep(0.1)
        try:
            yield
        finally:
            _unlock(fd)
    finally:
        os.close(fd)
