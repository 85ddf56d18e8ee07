"""Visits, observations and findings as tables: CSV (UTF-8 with BOM, for Excel) and XLSX.

One row per record of the latest revision of each visit that passes the filter; columns are the
record's fields plus the site's name, aimag and soum, and readable labels in the chosen language.
Used by ``pemdesk export csv|xlsx``, the desktop's File menu and the web portal. Qt-free.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pemdesk.errors import InvalidInput
from pemdesk.exporters.filters import RecordFilter

if TYPE_CHECKING:
    from pemdesk.storage import Store

TABLES = ("visits", "observations", "findings")


@dataclass(frozen=True)
class Table:
    name: str
    columns: list[str]
    rows: list[list[Any]]


def _query(store: Store, sql: str, params: list[Any]) -> tuple[list[str], list[list[Any]]]:
    cur = store.conn.execute(sql, params)
    return [d[0] for d in cur.description], [list(r) for r in cur.fetchall()]


def tables(store: Store, f: RecordFilter | None = None, lang: str = "mn",
           which: tuple[str, ...] = TABLES) -> list[Table]:
    """The tables, in order; ``which`` picks some of visits, observations, findings."""
    from pemdesk.catalogue import Catalogue
    from pemdesk.gazetteer import Gazetteer

    f = f or RecordFilter()
    where, params = f.visit_where()
    gaz = Gazetteer.load()
    names: dict[str, str] = {}

    def place(code: str) -> str:
        if code not in names:
            names[code] = place_name(gaz, code, lang)
        return names[code]

    out: list[Table] = []
    site_cols = "s.name_mn AS site_name, s.licence_no AS licence_no, s.aimag_code, s.soum_code"
    if "visits" in which:
        cols, rows = _query(store, f"SELECT v.id, v.site_id, {site_cols}, v.started_at, "
                            "v.ended_at, v.status, v.revision, v.supersedes, v.lon, v.lat, "
                            "v.position_source, v.weather, v.purpose, v.notes, v.finished_at, "
                            "v.seal_digest FROM visit v JOIN site s ON s.id = v.site_id "
                            f"WHERE {where} ORDER BY v.started_at, v.id", params)
        out.append(_with_places(Table("visits", cols, rows), place))
    if "observations" in which:
        catalogue = Catalogue.load()
        cols, rows = _query(store, f"SELECT o.id, o.visit_id, v.site_id, {site_cols}, "
                            "v.started_at AS visit_started_at, o.indicator, o.value_num, "
                            "o.value_text, o.unit, o.method, o.instrument, o.observed_at, o.lon, "
                            "o.lat, o.comment FROM observation o JOIN visit v ON v.id = o.visit_id "
                            f"JOIN site s ON s.id = v.site_id WHERE o._deleted = 0 AND {where} "
                            "ORDER BY v.started_at, o.visit_id, o.id", params)
        i = cols.index("indicator")
        cols.insert(i + 1, "indicator_name")
        cols.append("over_limit")
        vi = cols.index("value_num")
        for r in rows:
            code, value = r[i], r[vi - 1]
            ind = catalogue.get(code) if code in catalogue else None
            r.insert(i + 1, ind.name(lang) if ind else code)
            over = bool(ind and value is not None and any(lim.is_broken_by(float(value))
                                                          for lim in ind.limits))
            r.append(1 if over else 0)
        out.append(_with_places(Table("observations", cols, rows), place))
    if "findings" in which:
        cols, rows = _query(store, f"SELECT fi.id, fi.visit_id, v.site_id, {site_cols}, "
                            "v.started_at AS visit_started_at, fi.category, fi.description, "
                            "fi.severity, fi.follow_up, fi.follow_up_due, fi.follow_up_note, "
                            "fi.lon, fi.lat FROM finding fi JOIN visit v ON v.id = fi.visit_id "
                            f"JOIN site s ON s.id = v.site_id WHERE fi._deleted = 0 AND {where} "
                            "ORDER BY v.started_at, fi.visit_id, fi.id", params)
        out.append(_with_places(Table("findings", cols, rows), place))
    return out


def place_name(gaz: Any, code: str, lang: str) -> str:
    """The aimag's or soum's name for its code (the code itself when unknown)."""
    from pemdesk.errors import PemdeskError

    for find in (gaz.aimag, gaz.soum):
        try:
            return str(find(code).name(lang))
        except (PemdeskError, KeyError, ValueError):
            continue
    return code


def _with_places(t: Table, place: Callable[[str], str]) -> Table:
    a, s = t.columns.index("aimag_code"), t.columns.index("soum_code")
    cols = [*t.columns[: s + 1], "aimag", "soum", *t.columns[s + 1:]]
    rows = [[*r[: s + 1], place(r[a]), place(r[s]), *r[s + 1:]] for r in t.rows]
    return Table(t.name, cols, rows)


def csv_bytes(table: Table) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(table.columns)
    for r in table.rows:
        w.writerow(["" if v is None else v for v in r])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def write_csv(store: Store, path: Path | str, f: RecordFilter | None = None, lang: str = "mn",
              which: tuple[str, ...] = TABLES) -> dict[str, int]:
    """One table: a .csv file; several: a .zip of one .csv per table (or a folder if no suffix)."""
    path = Path(path)
    ts = tables(store, f, lang, which)
    if len(ts) == 1 and path.suffix.lower() == ".csv":
        _atomic(path, csv_bytes(ts[0]))
    elif path.suffix.lower() == ".zip":
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            for t in ts:
                z.writestr(f"{t.name}.csv", csv_bytes(t))
        _atomic(path, buf.getvalue())
    elif path.suffix == "":
        path.mkdir(parents=True, exist_ok=True)
        for t in ts:
            _atomic(path / f"{t.name}.csv", csv_bytes(t))
    else:
        raise InvalidInput("Олон хүснэгтийг .zip файл эсвэл хавтас руу гаргана (эсвэл --table).",
                           "Several tables go to a .zip file or a folder (or choose --table).")
    return {t.name: len(t.rows) for t in ts}


def xlsx_bytes(ts: list[Table]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    wb = Workbook(write_only=True)
    for t in ts:
        ws = wb.create_sheet(t.name)
        ws.freeze_panes = "A2"
        for i, c in enumerate(t.columns, start=1):
            ws.column_dimensions[get_column_letter(i)].width = max(10, min(40, len(c) + 4))
        ws.append(t.columns)
        for r in t.rows:
            ws.append([_cell(v) for v in r])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _cell(value: Any) -> Any:
    # Text that a spreadsheet would run as a formula is kept as text.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@") and not _number(value):
        return "'" + value
    return value


def _number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


def write_xlsx(store: Store, path: Path | str, f: RecordFilter | None = None, lang: str = "mn",
               which: tuple[str, ...] = TABLES) -> dict[str, int]:
    ts = tables(store, f, lang, which)
    _atomic(Path(path), xlsx_bytes(ts))
    return {t.name: len(t.rows) for t in ts}


def _atomic(path: Path, data: bytes) -> None:
    partial = path.with_name(path.name + ".partial")
    partial.write_bytes(data)
    partial.replace(path)

