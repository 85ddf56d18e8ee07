"""Opening the local SQLite database safely: pragmas, migrations, and clear errors."""

from __future__ import annotations

import contextlib
import errno
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from pemdesk.errors import StorageError
from pemdesk.storage import migrations
from pemdesk.storage.migrations import SCHEMA_VERSION

DB_FILENAME = "pemdesk.sqlite"


def storage_error(exc: BaseException, path: Path | str = "") -> StorageError:
    """Turn a low-level error into one sentence a monitor can act on."""
    text = str(exc).lower()
    if isinstance(exc, sqlite3.OperationalError) and ("full" in text or "no space" in text):
        return StorageError(
            "Диск дүүрсэн тул хадгалж чадсангүй. Зай чөлөөлөөд дахин оролдоно уу; өмнө хадгалсан "
            "мэдээлэл хэвээр байна.",
            "The disk is full, so this was not saved. Free some space and try again; everything "
            "saved before is intact.",
            detail=f"{exc} {path}",
        )
    if "readonly" in text or "read-only" in text or isinstance(exc, PermissionError) or (
        isinstance(exc, OSError) and exc.errno in (errno.EACCES, errno.EROFS, errno.EPERM)
    ):
        return StorageError(
            "Өгөгдлийн хавтас руу бичих эрх алга. Өөр хавтас сонгох эсвэл эрхийг шалгана уу.",
            "The data folder cannot be written to. Choose another folder or check its permissions.",
            detail=f"{exc} {path}",
        )
    # Damaged pages can surface as undecodable text rather than as an SQLite error.
    if isinstance(exc, UnicodeDecodeError) or (
        isinstance(exc, sqlite3.DatabaseError)
        and ("not a database" in text or "malformed" in text or "corrupt" in text)
    ):
        return StorageError(
            "Өгөгдлийн файл эвдэрсэн байна. Хуулбараас сэргээнэ үү (pemdesk db backup); файлд "
            "хүрээгүй.",
            "The database file is damaged. Restore it from a backup (pemdesk db backup); the file "
            "was left untouched.",
            detail=f"{exc} {path}",
        )
    if isinstance(exc, sqlite3.OperationalError) and "locked" in text:
        return StorageError(
            "Өгөгдлийн сан өөр програмд түгжигдсэн байна. Хэсэг хүлээгээд дахин оролдоно уу.",
            "The database is locked by another program. Wait a moment and try again.",
            detail=str(exc),
        )
    return StorageError(
        "Өгөгдлийн санд алдаа гарлаа; өмнө хадгалсан мэдээлэл хэвээр байна.",
        "The local database reported an error; everything saved before is intact.",
        detail=f"{type(exc).__name__}: {exc} {path}",
    )


@contextlib.contextmanager
def wrap_storage_errors(path: Path | str = "") -> Iterator[None]:
    try:
        yield
    except StorageError:
        raise
    except (sqlite3.Error, OSError, UnicodeDecodeError) as exc:
        raise storage_error(exc, path) from exc


def connect(path: Path) -> sqlite3.Connection:
    """Open (creating if needed) and migrate the database at ``path``.

    Refuses a database written by a newer pemdesk instead of touching it.
    """
    with wrap_storage_errors(path):
        path.parent.mkdir(parents=True, exist_ok=True)
        if not os.access(path.parent, os.W_OK):
            raise PermissionError(errno.EACCES, "data folder not writable", str(path.parent))
        # check_same_thread=False: the UI hands the store to one database worker thread.
        conn = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise StorageError(
                    "Энэ өгөгдлийг pemdesk-ийн шинэ хувилбар бичсэн байна. Програмаа шинэчилнэ үү; "
                    "файлд хүрээгүй.",
                    "This data was written by a newer version of pemdesk. Update the program; the "
                    "file was not touched.",
                    detail=f"schema {version} > supported {SCHEMA_VERSION}: {path}",
                )
            conn.execute("PRAGMA journal_mode=WAL")
            # FULL in WAL mode: a commit that returned survives power loss, not just a crash.
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute("PRAGMA busy_timeout=5000")
            migrate(conn)
            # after the migrations, as sqlite-utils' Database set it when the store opened via it
            conn.execute("PRAGMA recursive_triggers=on")
        except BaseException:
            conn.close()
            raise
        return conn


def migrate(conn: sqlite3.Connection, target: int | None = None) -> None:
    """Apply the migrations from the stored version up to ``target``, each in one transaction."""
    if target is None:
        target = len(migrations.MIGRATIONS)
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    for number in range(version, target):
        # Foreign keys are checked after the step, not while a migration reshapes tables.
        conn.execute("PRAGMA foreign_keys=OFF")
        conn.execute("BEGIN IMMEDIATE")
        try:
            migrations.MIGRATIONS[number](conn)
            problems = conn.execute("PRAGMA foreign_key_check").fetchall()
            if problems:
                raise sqlite3.IntegrityError(f"migration {number + 1} broke foreign keys: {problems[:5]}")
            conn.execute(f"PRAGMA user_version={number + 1}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        finally:
            conn.execute("PRAGMA foreign_keys=ON")
