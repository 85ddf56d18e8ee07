"""The portal's read model: a laptop-schema data folder on the server, fed from its records.

The server keeps every synced record as JSON (``sync.server.store``); the desktop's reports,
exports, seal checks and queries read the laptop's SQLite schema. Rather than a second
implementation of any of them, the portal keeps a laptop data folder under
``DATA/portal/readmodel`` and applies the server's changes to it with the very code a laptop
uses when it pulls (``storage.sync_client.pull_apply``). It is refreshed before a page is served
(one cheap query when nothing changed) and rebuilt from scratch when the server's epoch changes
(a restore). It holds no local edits: it is never pushed anywhere.

Photos: the server's derived previews and thumbnails are linked into the folder's photo store
(hard links, or copies across file systems) so the report code finds them where a laptop has them.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import sqlite_utils

from pemdesk.storage import Store
from pemdesk.storage import sync_client as sc
from pemdesk.sync.protocol import SCOPE_ALL
from pemdesk.sync.server.store import ServerStore

PAGE = 2000


class ReadModel:
    def __init__(self, server: ServerStore, folder: Path | None = None, *,
                 min_interval_s: float = 0.5) -> None:
        self.server = server
        self.folder = folder or server.data_dir / "portal" / "readmodel"
        self.folder.mkdir(parents=True, exist_ok=True)
        self.min_interval_s = min_interval_s
        self._lock = threading.Lock()  # one refresh at a time
        self._readers_lock = threading.Lock()
        self._local = threading.local()
        self._writer = Store.open(self.folder)
        self._indexes()
        self._checked_at = 0.0
        self._seq = -1
        self._readers: list[Store] = []
        self._memo: OrderedDict[Any, Any] = OrderedDict()
        self._memo_seq = -1
        self._memo_lock = threading.Lock()
        self._computing: dict[Any, threading.Event] = {}

    # --- stores ------------------------------------------------------------------------------
    def reader(self) -> Store:
        """This thread's own connection to the read model (SQLite WAL: readers never block)."""
        store = getattr(self._local, "store", None)
        if store is None:
            # Not Store.open: its migration check would wait for the writer's transaction.
            # The writer made and migrated the file; a reader only reads (WAL: never blocked).
            path = self._writer.path
            conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False,
                                   isolation_level=None)
            conn.execute("PRAGMA busy_timeout=5000")
            store = Store(sqlite_utils.Database(conn), path)
            self._local.store = store
            with self._readers_lock:  # not self._lock: a refresh may hold it for minutes
                self._readers.append(store)
        return store

    @contextlib.contextmanager
    def read(self) -> Iterator[Store]:
        self.refresh()
        yield self.reader()

    def close(self) -> None:
        with self._lock:
            for s in self._readers:
                s.close()
            self._readers.clear()
            self._writer.close()

    @property
    def seq(self) -> int:
        """The server_seq the read model has applied up to (-1 before its first refresh)."""
        return self._seq

    def memo(self, key: Any, compute: Callable[[Store], Any]) -> Any:
        """``compute(store)`` once per state of the read model (figures change only with data).

        Dropped whenever the read model takes in new changes; least recently used entries go
        past 512. Single flight: while one request computes a key, the others wait for it
        instead of computing it too (50 visitors of a cold page would otherwise compute it 50
        times over, each slower for the others).
        """
        self.refresh()
        seq = self._seq
        with self._memo_lock:
            if self._memo_seq != seq:
                self._memo = OrderedDict()
                self._memo_seq = seq
            if key in self._memo:
                self._memo.move_to_end(key)
                return self._memo[key]
            running = self._computing.get((seq, key))
            if running is None:
                running = self._computing[(seq, key)] = threading.Event()
                owner = True
            else:
                owner = False
        if not owner:
            running.wait(120)
            with self._memo_lock:
                if self._memo_seq == seq and key in self._memo:
                    return self._memo[key]
            return compute(self.reader())  # the owner failed: compute for this request
        try:
            value = compute(self.reader())
            with self._memo_lock:
                if self._memo_seq == seq:
                    self._memo[key] = value
                    while len(self._memo) > 512:
                        self._memo.popitem(last=False)
            return value
        finally:
            with self._memo_lock:
                self._computing.pop((seq, key), None)
            running.set()

    # --- refreshing --------------------------------------------------------------------------
    def refresh(self, *, force: bool = False) -> int:
        """Apply what the server has that the read model lacks; returns how many changes.

        A page never waits for another request's refresh (it is served from the state so far,
        each applied page of changes being committed); ``force`` waits and applies everything.
        """
        now = time.monotonic()
        if not force and now - self._checked_at < self.min_interval_s:
            return 0
        if not self._lock.acquire(blocking=force):
            return 0
        try:
            self._checked_at = time.monotonic()
            latest = self.server.latest_seq()
            epoch, after = sc.cursor(self._writer)
            if epoch == self.server.epoch and after >= latest:
                self._seq = after
                return 0
            if epoch and epoch != self.server.epoch:
                self._rebuild()
                after = 0
            applied = 0
            while True:
                page = self.server.changes_since(SCOPE_ALL, after, PAGE, True)
                changes: list[dict[str, Any]] = [dict(c) for c in page.changes]
                sc.pull_apply(self._writer, changes, epoch=page.epoch,
                              next_after=page.next_after)
                self._link_photos([c["data"].get("sha256", "") for c in page.changes
                                   if c["entity"] == "photo" and not c["deleted"]])
                applied += len(page.changes)
                after = page.next_after
                self._seq = after
                if not page.has_more:
                    break
            return applied
        finally:
            self._lock.release()

    def start(self) -> threading.Thread:
        """Bring the read model up to date in the background (at server start)."""
        thread = threading.Thread(target=self.refresh, kwargs={"force": True}, daemon=True,
                                  name="portal-readmodel")
        thread.start()
        return thread

    def _indexes(self) -> None:
        """Indexes the portal's questions need beyond a laptop's (map boxes); this folder only."""
        with self._writer.atomic():
            self._writer.conn.execute(
                "CREATE INDEX IF NOT EXISTS portal_visit_lon ON visit(lon, lat)")
            self._writer.conn.execute(
                "CREATE INDEX IF NOT EXISTS portal_finding_open ON finding(follow_up, visit_id)")
            self._writer.conn.execute(  # the verify page looks visits up by their seal
                "CREATE INDEX IF NOT EXISTS portal_visit_seal ON visit(seal_digest) "
                "WHERE seal_digest IS NOT NULL")
            self._writer.conn.execute(
                "CREATE INDEX IF NOT EXISTS portal_seal_digest ON visit_seal(digest)")

    def _rebuild(self) -> None:
        """A new server epoch (restore): start the folder again from nothing."""
        self._writer.close()
        for s in self._readers:
            s.close()
        self._readers.clear()
        self._local = threading.local()
        for p in self.folder.iterdir():
            if p.is_dir():
                shutil.rmtree(p)
            else:
                p.unlink()
        self._writer = Store.open(self.folder)
        self._indexes()

    def _link_photos(self, shas: list[str]) -> None:
        from pemdesk.photos.files import PhotoFiles

        files = PhotoFiles(self.folder)
        for sha in shas:
            if len(sha) != 64:
                continue
            for variant, target in (("preview", files.preview_path(sha)),
                                    ("thumb", files.thumb_path(sha))):
                if target.exists():
                    continue
                info = self.server.blob_info(sha, variant)
                if info is None:
                    continue
                source = self.server.blob_path(info["sha256"])
                if not source.is_file():
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                try:
                    os.link(source, target)
                except FileExistsError:
                    pass  # another request linked it just now
                except OSError:
                    shutil.copyfile(source, target)

    def link_visit_photos(self, visit_id: str) -> None:
        """Link a visit's photo derivatives (those that reached the server after the records)."""
        rows = self.reader().conn.execute(
            "SELECT DISTINCT sha256 FROM photo WHERE visit_id = ? AND _deleted = 0", [visit_id])
        self._link_photos([r[0] for r in rows])
