"""The local store: the one place that reads and writes the database.

All SQL lives in ``pemdesk.storage``. The store is used from one thread at a time (the UI gives it
to a single database worker thread). Every write runs in a transaction; the capture triggers put
the matching outbox entry in the same transaction (see ``outbox.py``).
"""

from __future__ import annotations

import contextlib
import itertools
import json
import operator
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from pemdesk import model
from pemdesk.durable import fsync_dir, fsync_file
from pemdesk.errors import InvalidInput, NotFound
from pemdesk.ids import utc_now
from pemdesk.storage import outbox as _outbox
from pemdesk.storage.db import DB_FILENAME, connect, storage_error, wrap_storage_errors
from pemdesk.storage.migrations import SCHEMA_VERSION
from pemdesk.storage.records import column_fields, from_row, table_of, to_row

if TYPE_CHECKING:
    import sqlite_utils

T = TypeVar("T")

_NAMES_MN = {
    "person": "хүн",
    "site": "объект",
    "plot": "талбай",
    "visit": "үзлэг",
    "participant": "оролцогч",
    "observation": "хэмжилт",
    "finding": "илрүүлэлт",
    "photo_point": "зургийн цэг",
    "photo": "зураг",
    "track": "зам",
    "rehab_target": "зорилт",
    "plot_stage_change": "үе шатны өөрчлөлт",
    "plot_acceptance": "хүлээн авалтын акт",
    "photo_cover": "бүрхэвчийн хэмжилт",
    "finding_case": "илрүүлэлтийн хэрэг",
    "finding_step": "илрүүлэлтийн алхам",
    "grievance": "гомдол",
    "grievance_complainant": "гомдол гаргагч",
    "emp_commitment": "БОМТ-ийн амлалт",
    "commitment_assessment": "амлалтын үнэлгээ",
    "signoff": "гарын үсэг",
}

# Children whose edits are locked once their visit is finished.
_VISIT_CHILDREN = (model.Participant, model.Observation, model.Finding)


@dataclass
class VisitDetail:
    """A visit with everything recorded in it, as shown in the editor and printed in reports."""

    visit: model.Visit
    site: model.Site
    plots: list[model.Plot] = field(default_factory=list)
    participants: list[tuple[model.Participant, model.Person]] = field(default_factory=list)
    observations: list[model.Observation] = field(default_factory=list)
    findings: list[model.Finding] = field(default_factory=list)
    photos: list[model.Photo] = field(default_factory=list)


@dataclass(frozen=True)
class VisitFilter:
    site_id: str | None = None
    date_from: str | None = None  # inclusive, ISO date or datetime
    date_to: str | None = None  # inclusive date
    status: model.VisitStatus | None = None
    latest_only: bool = True  # hide revisions that a newer revision supersedes


class Store:
    def __init__(self, db: sqlite3.Connection | sqlite_utils.Database, path: Path) -> None:
        """``db``: the connection (``Store.open`` gives one), or a sqlite-utils ``Database``."""
        if isinstance(db, sqlite3.Connection):
            self._conn, self._db = db, None
        else:
            self._conn, self._db = db.conn, db
        self.path = path
        self._savepoints = itertools.count()

    # --- opening -----------------------------------------------------------------------------
    @classmethod
    def open(cls, data_dir: Path | str) -> Store:
        data_dir = Path(data_dir)
        path = data_dir / DB_FILENAME
        db = connect(path)
        return cls(db, path)

    @property
    def data_dir(self) -> Path:
        return self.path.parent

    @property
    def conn(self) -> sqlite3.Connection:
        return self._conn

    @property
    def db(self) -> sqlite_utils.Database:
        """The connection as a sqlite-utils ``Database``, made on first use: the store itself
        queries ``conn`` directly, so opening it does not import sqlite-utils (with numpy,
        click, dateutil and pluggy, 0.15–0.2 s of every start-up)."""
        if self._db is None:
            import sqlite_utils

            self._db = sqlite_utils.Database(self._conn)
        return self._db

    def close(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- transactions ------------------------------------------------------------------------
    @contextlib.contextmanager
    def atomic(self) -> Iterator[None]:
        """A transaction; nested calls become savepoints. Errors come out as StorageError."""
        name = f"sp{next(self._savepoints)}"
        outer = not self.conn.in_transaction
        with wrap_storage_errors(self.path):
            if outer:
                self.conn.execute("BEGIN IMMEDIATE")
            else:
                self.conn.execute(f"SAVEPOINT {name}")
            try:
                yield
            except BaseException:
                if outer:
                    self.conn.execute("ROLLBACK")
                else:
                    self.conn.execute(f"ROLLBACK TO {name}")
                    self.conn.execute(f"RELEASE {name}")
                raise
            if outer:
                try:
                    self.conn.execute("COMMIT")
                except sqlite3.Error as exc:
                    with contextlib.suppress(sqlite3.Error):
                        self.conn.execute("ROLLBACK")
                    raise storage_error(exc, self.path) from exc
            else:
                self.conn.execute(f"RELEASE {name}")

    @contextlib.contextmanager
    def capture_suppressed(self) -> Iterator[None]:
        """A transaction whose writes are not captured into the outbox.

        For applying changes that came from the server (they must not echo back) and for demo
        data (it must never reach a server). The flag is reset before commit, so no other
        connection ever sees it set.
        """
        with self.atomic():
            previous = self.conn.execute("SELECT applying_remote FROM sync_ctx").fetchone()[0]
            self.conn.execute("UPDATE sync_ctx SET applying_remote = 1")
            try:
                yield
            finally:
                self.conn.execute("UPDATE sync_ctx SET applying_remote = ?", [previous])

    def _query(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[dict[str, Any]]:
        with wrap_storage_errors(self.path):
            cursor = self._conn.execute(sql, params)
            keys = [d[0] for d in cursor.description]
            return [dict(zip(keys, row, strict=True)) for row in cursor]

    # --- generic records ---------------------------------------------------------------------
    def get(self, record_type: type[T], record_id: str) -> T:
        table = table_of(record_type)
        rows = self._query(f"SELECT * FROM {table} WHERE id = ? AND _deleted = 0", [record_id])
        if not rows:
            raise NotFound(
                f"{_NAMES_MN[table].capitalize()} олдсонгүй: {record_id}",
                f"No {table.replace('_', ' ')} with id {record_id}.",
            )
        record = from_row(record_type, rows[0])
        if isinstance(record, model.Visit):
            record.plot_ids = self._visit_plot_ids(record.id)
        return record

    def exists(self, record_type: type, record_id: str) -> bool:
        table = table_of(record_type)
        return bool(self._query(f"SELECT 1 FROM {table} WHERE id=? AND _deleted=0", [record_id]))

    def save(self, record: Any) -> Any:
        """Insert or update one record; only changed columns are written (and captured)."""
        with self.atomic():
            self._validate(record)
            table = table_of(type(record))
            row = to_row(record)
            now = utc_now()
            existing = self._query(f"SELECT * FROM {table} WHERE id = ?", [record.id])
            if existing:
                old = existing[0]
                changes = {k: v for k, v in row.items() if old.get(k) != v}
                if old["_deleted"]:
                    changes["_deleted"] = 0
                if changes:
                    changes["updated_at"] = now
                    sets = ", ".join(f'"{k}" = ?' for k in changes)
                    self.conn.execute(
                        f"UPDATE {table} SET {sets} WHERE id = ?", [*changes.values(), record.id]
                    )
            else:
                row.update(created_at=now, updated_at=now)
                cols = ", ".join(f'"{k}"' for k in row)
                marks = ", ".join("?" for _ in row)
                self.conn.execute(f"INSERT INTO {table} ({cols}) VALUES ({marks})", list(row.values()))
            if isinstance(record, model.Visit):
                self._save_visit_plots(record)
        return record

    def save_many(self, records: Iterable[Any]) -> int:
        """Insert many new records of one type in one transaction (imports, demo data)."""
        count = 0
        with self.atomic():
            for record in records:
                self.save(record)
                count += 1
        return count

    def add_observations(self, observations: Sequence[model.Observation]) -> int:
        """Bulk insert of new observations (validated), in one transaction, with their outbox
        entries written in bulk too."""
        if not observations:
            return 0
        with self.capture_suppressed():
            visit_ids = {o.visit_id for o in observations}
            for visit_id in visit_ids:
                self._check_visit_editable(visit_id)
            self._validate_observations(observations)
            now = utc_now()
            names = column_fields(model.Observation)
            get = operator.attrgetter(*names)
            # Observation columns are text and numbers (no enums, JSON or geometry): the values
            # bind as they are (what to_row would give; anything else is refused by sqlite3).
            rows = [(*get(o), now, now) for o in observations]
            cols = [*names, "created_at", "updated_at"]
            sql = (
                f"INSERT INTO observation ({', '.join(cols)}) "
                f"VALUES ({', '.join('?' for _ in cols)})"
            )
            self.conn.executemany(sql, rows)
            _outbox.reserve_creates(self.conn, "observation", [o.id for o in observations], 1)
        return len(rows)

    def _validate_observations(self, observations: Sequence[model.Observation]) -> None:
        """``_validate_observation`` for many: plain in-range numbers are checked inline (the
        common case of a bulk import), anything else goes through the full check."""
        from pemdesk.catalogue import Catalogue

        catalogue = Catalogue.load()
        ranges: dict[str, tuple[float, float] | None] = {}
        for o in observations:
            if o.indicator not in ranges:
                ind = catalogue.get(o.indicator)
                ranges[o.indicator] = (
                    (ind.valid_min, ind.valid_max)
                    if ind.value_type == "number" and ind.valid_min is not None
                    and ind.valid_max is not None else None)
            bounds = ranges[o.indicator]
            value = o.value_num
            if (bounds is not None and type(value) is float and o.value_text is None
                    and bounds[0] <= value <= bounds[1]):
                continue  # finite (NaN and ±inf fail the range test) and in range
            self._validate_observation(o)

    def delete(self, record_type: type, record_id: str) -> None:
        """Soft delete: the row stays as a tombstone so the deletion can sync."""
        with self.atomic():
            record: Any = self.get(record_type, record_id)
            if isinstance(record, _VISIT_CHILDREN):
                self._check_visit_editable(record.visit_id)
            if isinstance(record, model.Visit):
                self._check_visit_editable(record.id)
            table = table_of(record_type)
            self.conn.execute(
                f"UPDATE {table} SET _deleted = 1, updated_at = ? WHERE id = ?",
                [utc_now(), record_id],
            )

    # --- validation --------------------------------------------------------------------------
    def _require(self, record_type: type, record_id: str | None) -> None:
        if record_id is not None and not self.exists(record_type, record_id):
            self.get(record_type, record_id)  # raises NotFound with the right sentence

    def _validate(self, record: Any) -> None:
        if isinstance(record, model.Site):
            self._validate_site(record)
        elif isinstance(record, model.Plot):
            self._require(model.Site, record.site_id)
            self._compute_plot_area(record)
        elif isinstance(record, model.Visit):
            self._require(model.Site, record.site_id)
            self._require(model.Person, record.created_by)
            for plot_id in record.plot_ids:
                self._require(model.Plot, plot_id)
            self._check_visit_editable(record.id)
            from pemdesk.plausibility import check_visit_dates

            check_visit_dates(record)  # no start in the future, no end before the start
        elif isinstance(record, _VISIT_CHILDREN):
            self._require(model.Visit, record.visit_id)
            self._check_visit_editable(record.visit_id)
            if isinstance(record, model.Participant):
                self._require(model.Person, record.person_id)
            if isinstance(record, model.Observation):
                self._validate_observation(record)
        elif isinstance(record, model.PhotoPoint):
            self._require(model.Site, record.site_id)
            self._require(model.Plot, record.plot_id)
        elif isinstance(record, model.Photo):
            self._require(model.Visit, record.visit_id)
            self._require(model.PhotoPoint, record.photo_point_id)
            # A sealed visit's photos are evidence: neither they nor the set of them may change.
            before = self._query("SELECT visit_id FROM photo WHERE id = ?", [record.id])
            for visit_id in (record.visit_id, before[0]["visit_id"] if before else None):
                if visit_id is not None:
                    self._check_visit_editable(visit_id)

    def _validate_site(self, site: model.Site) -> None:
        if not site.name_mn.strip():
            raise InvalidInput("Объектын нэрийг оруулна уу.", "Enter the site's name.")
        from pemdesk.gazetteer import Gazetteer

        soum = Gazetteer.load().soum(site.soum_code)
        if soum.aimag_code != site.aimag_code:
            raise InvalidInput(
                "Сонгосон сум тухайн аймагт харьяалагддаггүй.",
                "The chosen soum does not belong to that aimag.",
                detail=f"{site.soum_code} is in {soum.aimag_code}, not {site.aimag_code}",
            )

    def _validate_observation(self, obs: model.Observation) -> None:
        from pemdesk.catalogue import Catalogue

        catalogue = Catalogue.load()
        indicator = catalogue.get(obs.indicator)
        raw = obs.value_num if obs.value_num is not None else obs.value_text
        if raw is None:
            raise InvalidInput(
                f"«{indicator.name('mn')}»-ийн утгыг оруулна уу.",
                f"Enter a value for “{indicator.name('en')}”.",
            )
        if indicator.value_type == "boolean" and isinstance(raw, float) and raw in (0.0, 1.0):
            raw = bool(raw)  # booleans are stored as 0/1 in value_num
        value = catalogue.validate(obs.indicator, raw)
        if isinstance(value, int | float):  # bool included: stored as 0/1
            obs.value_num, obs.value_text = float(value), None
        else:
            obs.value_num, obs.value_text = None, str(value)
        if not obs.unit:
            obs.unit = indicator.unit

    def _compute_plot_area(self, plot: model.Plot) -> None:
        if plot.geometry is None:
            plot.area_ha = None
            return
        from pemdesk.geo.area import geodesic_area_ha, validate_polygon

        validate_polygon(plot.geometry)
        plot.area_ha = round(geodesic_area_ha(plot.geometry), 4)

    def _check_visit_editable(self, visit_id: str) -> None:
        rows = self._query("SELECT status FROM visit WHERE id = ?", [visit_id])
        if rows and rows[0]["status"] == model.VisitStatus.FINISHED:
            raise InvalidInput(
                "Дууссан үзлэгийг өөрчлөх боломжгүй; засвар хийхийн тулд шинэ хувилбар үүсгэнэ үү.",
                "A finished visit is locked; amend it as a new revision instead.",
                detail=f"visit {visit_id}",
            )

    # --- visits ------------------------------------------------------------------------------
    def _visit_plot_ids(self, visit_id: str) -> list[str]:
        rows = self._query(
            "SELECT plot_id FROM visit_plot WHERE visit_id=? AND _deleted=0 ORDER BY created_at, id",
            [visit_id],
        )
        return [r["plot_id"] for r in rows]

    def _save_visit_plots(self, visit: model.Visit) -> None:
        from pemdesk.ids import new_id

        rows = self._query("SELECT id, plot_id, _deleted FROM visit_plot WHERE visit_id=?", [visit.id])
        by_plot = {r["plot_id"]: r for r in rows}
        now = utc_now()
        for plot_id in visit.plot_ids:
            current = by_plot.get(plot_id)
            if current is None:
                self.conn.execute(
                    "INSERT INTO visit_plot (id, visit_id, plot_id, created_at, updated_at) "
                    "VALUES (?, ?, ?, ?, ?)",
                    [new_id(), visit.id, plot_id, now, now],
                )
            elif current["_deleted"]:
                self.conn.execute(
                    "UPDATE visit_plot SET _deleted=0, updated_at=? WHERE id=?", [now, current["id"]]
                )
        for plot_id, current in by_plot.items():
            if plot_id not in visit.plot_ids and not current["_deleted"]:
                self.conn.execute(
                    "UPDATE visit_plot SET _deleted=1, updated_at=? WHERE id=?", [now, current["id"]]
                )

    def _visit_where(self, f: VisitFilter) -> tuple[str, list[Any]]:
        clauses = ["v._deleted = 0"]
        params: list[Any] = []
        if f.site_id:
            clauses.append("v.site_id = ?")
            params.append(f.site_id)
        if f.date_from:
            clauses.append("v.started_at >= ?")
            params.append(f.date_from)
        if f.date_to:
            # Inclusive of the whole last day: ISO text sorts, and "~" sorts after any time.
            clauses.append("v.started_at <= ?")
            params.append(f.date_to + ("~" if len(f.date_to) == 10 else ""))
        if f.status:
            clauses.append("v.status = ?")
            params.append(str(f.status))
        if f.latest_only:
            clauses.append(
                "NOT EXISTS (SELECT 1 FROM visit n WHERE n.supersedes = v.id AND n._deleted = 0)"
            )
        return " AND ".join(clauses), params

    def list_visits(
        self, f: VisitFilter | None = None, *, limit: int | None = None, offset: int = 0
    ) -> list[model.Visit]:
        """Visits, newest first; page with ``limit``/``offset`` for large stores."""
        where, params = self._visit_where(f or VisitFilter())
        sql = f"SELECT v.* FROM visit v WHERE {where} ORDER BY v.started_at DESC, v.id DESC"
        if limit is not None:
            sql += " LIMIT ? OFFSET ?"
            params += [limit, offset]
        return [from_row(model.Visit, r) for r in self._query(sql, params)]

    def count_visits(self, f: VisitFilter | None = None) -> int:
        where, params = self._visit_where(f or VisitFilter())
        return self._query(f"SELECT count(*) AS n FROM visit v WHERE {where}", params)[0]["n"]

    def visit_detail(self, visit_id: str) -> VisitDetail:
        visit = self.get(model.Visit, visit_id)
        detail = VisitDetail(visit=visit, site=self.get(model.Site, visit.site_id))
        detail.plots = [self.get(model.Plot, pid) for pid in visit.plot_ids]
        for row in self._query(
            "SELECT * FROM participant WHERE visit_id=? AND _deleted=0 ORDER BY created_at, id",
            [visit_id],
        ):
            participant = from_row(model.Participant, row)
            detail.participants.append((participant, self.get(model.Person, participant.person_id)))
        detail.observations = self._children(model.Observation, visit_id)
        detail.findings = self._children(model.Finding, visit_id)
        detail.photos = self._children(model.Photo, visit_id, order="taken_at, id")
        return detail

    def _children(self, record_type: type[T], visit_id: str, order: str = "created_at, id") -> list[T]:
        table = table_of(record_type)
        rows = self._query(
            f"SELECT * FROM {table} WHERE visit_id=? AND _deleted=0 ORDER BY {order}", [visit_id]
        )
        return [from_row(record_type, r) for r in rows]

    def visit_superseding(self, visit_id: str) -> model.Visit | None:
        """The revision that supersedes a visit, if any."""
        rows = self._query(
            "SELECT id FROM visit WHERE supersedes = ? AND _deleted = 0 ORDER BY revision DESC LIMIT 1",
            [visit_id],
        )
        return self.get(model.Visit, rows[0]["id"]) if rows else None

    def observations_of(self, visit_id: str) -> list[model.Observation]:
        return self._children(model.Observation, visit_id)

    def findings_of(self, visit_id: str) -> list[model.Finding]:
        return self._children(model.Finding, visit_id)

    # --- sites, plots, people ----------------------------------------------------------------
    def list_sites(
        self, aimag_code: str | None = None, soum_code: str | None = None
    ) -> list[model.Site]:
        clauses, params = ["_deleted = 0"], []
        if aimag_code:
            clauses.append("aimag_code = ?")
            params.append(aimag_code)
        if soum_code:
            clauses.append("soum_code = ?")
            params.append(soum_code)
        rows = self._query(
            f"SELECT * FROM site WHERE {' AND '.join(clauses)} ORDER BY aimag_code, soum_code, name_mn",
            params,
        )
        return [from_row(model.Site, r) for r in rows]

    def list_plots(
        self, site_id: str | None = None, stage: model.PlotStage | None = None
    ) -> list[model.Plot]:
        clauses, params = ["_deleted = 0"], []
        if site_id:
            clauses.append("site_id = ?")
            params.append(site_id)
        if stage:
            clauses.append("stage = ?")
            params.append(str(stage))
        rows = self._query(
            f"SELECT * FROM plot WHERE {' AND '.join(clauses)} ORDER BY site_id, name", params
        )
        return [from_row(model.Plot, r) for r in rows]

    def list_people(self) -> list[model.Person]:
        rows = self._query("SELECT * FROM person WHERE _deleted = 0 ORDER BY name")
        return [from_row(model.Person, r) for r in rows]

    def list_photo_points(self, site_id: str | None = None) -> list[model.PhotoPoint]:
        where, params = ("AND site_id = ?", [site_id]) if site_id else ("", [])
        rows = self._query(
            f"SELECT * FROM photo_point WHERE _deleted = 0 {where} ORDER BY name", params
        )
        return [from_row(model.PhotoPoint, r) for r in rows]

    def visit_counts_by_site(self) -> dict[str, int]:
        rows = self._query(
            "SELECT site_id, count(*) AS n FROM visit v WHERE v._deleted = 0 AND NOT EXISTS "
            "(SELECT 1 FROM visit n WHERE n.supersedes = v.id AND n._deleted = 0) GROUP BY site_id"
        )
        return {r["site_id"]: r["n"] for r in rows}

    # --- metadata, sync status, maintenance --------------------------------------------------
    def meta(self, key: str, default: str | None = None) -> str | None:
        rows = self._query("SELECT v FROM sync_meta WHERE k = ?", [key])
        return rows[0]["v"] if rows else default

    def set_meta(self, key: str, value: str) -> None:
        with self.atomic():
            self.conn.execute(
                "INSERT INTO sync_meta (k, v) VALUES (?, ?) ON CONFLICT(k) DO UPDATE SET v=excluded.v",
                [key, value],
            )

    def pending_changes(self) -> int:
        self.settle_outbox()
        return self._query("SELECT count(*) AS n FROM sync_outbox WHERE state='pending'")[0]["n"]

    def pending_records(self) -> int:
        """How many records have changes not yet synced (one visit typed into for an hour is one
        record, however many operations its autosaves made)."""
        self.settle_outbox()
        return self._query(
            "SELECT count(*) AS n FROM (SELECT DISTINCT entity, entity_id FROM sync_outbox "
            "WHERE state='pending')"
        )[0]["n"]

    def settle_outbox(self) -> None:
        """Expand bulk-captured creates into ops (see ``outbox.py``)."""
        with wrap_storage_errors(self.path), self.atomic():
            _outbox.settle(self.conn)

    def outbox(self, entity_id: str | None = None) -> list[dict[str, Any]]:
        """Outbox entries with their exact values (refined now if they were not yet)."""
        self.settle_outbox()
        if entity_id is None:
            rows = self._query("SELECT * FROM sync_outbox ORDER BY device_seq")
        else:
            rows = self._query(
                "SELECT * FROM sync_outbox WHERE entity_id=? ORDER BY device_seq", [entity_id]
            )
        with wrap_storage_errors(self.path), self.atomic():
            done = _outbox.materialize(self.conn, [
                (r["device_seq"], r["entity"], r["entity_id"], r["op"], r["fields"],
                 r["base_version"]) for r in rows if r["state"] == "pending"])
        for r in rows:
            if r["device_seq"] in done:
                r["fields"] = json.dumps(done[r["device_seq"]], ensure_ascii=False,
                                         separators=(",", ":"))
        return rows

    def is_empty(self) -> bool:
        return not self._query("SELECT 1 FROM site LIMIT 1")

    def check(self) -> list[str]:
        """Integrity, foreign keys and migration state; an empty list means healthy."""
        problems: list[str] = []
        with wrap_storage_errors(self.path):
            result = [r[0] for r in self.conn.execute("PRAGMA integrity_check")]
            if result != ["ok"]:
                problems += [f"integrity: {r}" for r in result]
            for table, rowid, parent, _ in self.conn.execute("PRAGMA foreign_key_check"):
                problems.append(f"foreign key: {table} row {rowid} refers to a missing {parent}")
            version = self.conn.execute("PRAGMA user_version").fetchone()[0]
            if version != SCHEMA_VERSION:
                problems.append(f"schema version {version}, expected {SCHEMA_VERSION}")
        return problems

    def backup(self, target: Path | str) -> Path:
        """A consistent copy through SQLite's online backup, safe while the GUI is writing."""
        target = Path(target)
        if target.exists():
            raise InvalidInput(
                f"Файл аль хэдийн байна: {target}", f"The file already exists: {target}"
            )
        partial = target.with_name(target.name + ".partial")
        with wrap_storage_errors(target):
            destination = sqlite3.connect(str(partial))
            try:
                self.conn.backup(destination)
                destination.execute("PRAGMA journal_mode=DELETE")
            finally:
                destination.close()
            # the usual target is a USB stick: the copy is on it before it is called done
            fsync_file(partial)
            partial.replace(target)
            fsync_dir(target.parent)
        return target

