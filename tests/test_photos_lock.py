"""Item 12: `photos purge` could race an import in another process; the folder is locked now."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from pemdesk.errors import InvalidInput
from pemdesk.photos.library import purge_unreferenced
from pemdesk.photos.lock import photo_files_lock


def test_purge_is_refused_while_another_process_holds_the_photo_lock(store, tmp_path) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import sys, time
            from pathlib import Path
            from pemdesk.photos.lock import photo_files_lock
            with photo_files_lock(Path({str(store.data_dir)!r})):
                print("held", flush=True)
                time.sleep(30)
        """)],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(InvalidInput, match="Another program is importing"):
            purge_unreferenced(store)
    finally:
        holder.kill()
        holder.wait()
    assert purge_unreferenced(store) == 0  # free again once the other process is gone


def test_the_lock_is_reentrant_across_calls_in_one_process(tmp_path) -> None:
    with photo_files_lock(tmp_path):
        pass
    with photo_files_lock(tmp_path):
        pass
