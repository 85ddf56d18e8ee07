"""`db backup` fsyncs the copy and its folder before calling it done (issue 16, item 12)."""

from __future__ import annotations

import os

from pemdesk.storage import Store


def test_backup_fsyncs_the_copy_and_its_folder(tmp_path, monkeypatch) -> None:
    synced: list[str] = []
    real = os.fsync

    def spy(fd: int) -> None:
        synced.append(os.readlink(f"/proc/self/fd/{fd}"))
        real(fd)

    monkeypatch.setattr(os, "fsync", spy)
    with Store.open(tmp_path / "data") as store:
        synced.clear()
        target = (
            store.backup(tmp_path / "usb" / "copy.db")
            if (tmp_path / "usb").mkdir() is None
            else None
        )
    assert target is not None and target.is_file()
    assert str(tmp_path / "usb" / "copy.db.partial") in synced  # the file, before the rename
    assert str(tmp_path / "usb") in synced  # and the folder that holds the new name
