"""The instrument register window: every instrument and where it is now, adding and editing one,
moving one to a new deployment, and the imports of its deployments with "Remove this import…".

A thin window over ``pemdesk.instruments.register`` and ``pemdesk.storage.readings``: every read
and write goes through the database worker (``window.ops``)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from pemdesk.i18n import _, format_date, format_datetime, format_number, get_language
from pemdesk.ui.errors import user_message
from pemdesk.ui.readings.deployment_dialog import _num, _txt
from pemdesk.ui.tables import list_table


def _utc(stamp: str | None) -> str:
    """2025-02-28T16:00:00Z → 2025-02-28 16:00 (the column says UTC)."""
    return (stamp or "")[:16].replace("T", " ")


def _fill(table: QTableWidget, rows: list[list[str]], keys: list[str]) -> None:
    table.setRowCount(len(rows))
    for r, (cells, key) in enumerate(zip(rows, keys, strict=True)):
        for c, text in enumerate(cells):
            item = QTableWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, key)
            table.setItem(r, c, item)


def _selected_key(table: QTableWidget) -> str | None:
    items = table.selectedItems()
    return items[0].data(Qt.ItemDataRole.UserRole) if items else None


class InstrumentRegister(QDialog):
    """Tools → Instruments…: the register of every instrument."""

    def __init__(self, ops: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ops = ops
        self.rows: dict[str, dict[str, Any]] = {}
        self.dialog: QDialog | None = None  # the one opened from here (kept alive)
        self.setWindowTitle(_("Instrument register"))
        self.table = list_table(
            [_("Make"), _("Model"), _("Serial"), _("Owner"), _("Calibrated on"),
             _("Calibration due"), _("Co-location factor"), _("Deployed at"), _("since")],
            fit_contents=True)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.table.doubleClicked.connect(lambda _i: self.edit())
        self.add_btn = QPushButton(_("Add…"))
        self.add_btn.clicked.connect(self.add)
        self.edit_btn = QPushButton(_("Edit…"))
        self.edit_btn.clicked.connect(self.edit)
        self.move_btn = QPushButton(_("Move to a site…"))
        self.move_btn.clicked.connect(self.relocate)
        self.imports_btn = QPushButton(_("Imports…"))
        self.imports_btn.clicked.connect(self.imports)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        buttons = QHBoxLayout()
        for b in (self.add_btn, self.edit_btn, self.move_btn, self.imports_btn):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(close)
        self.status = QLabel()
        self.status.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(self.status)
        layout.addLayout(buttons)
        self.resize(1240, 440)
        self._selection_changed()
        ops.changed.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        from pemdesk.instruments.register import register

        self.ops.run(register, self._show, lambda exc: self.status.setText(user_message(exc)))

    def _show(self, rows: list[dict[str, Any]]) -> None:
        from shiboken6 import isValid

        if not isValid(self):
            return
        keep = _selected_key(self.table)
        lang = get_language()
        self.rows = {r["id"]: r for r in rows}
        cells = []
        for r in rows:
            site = (r["site_name_en"] if lang == "en" and r["site_name_en"] else r["site_name_mn"])
            cells.append([r["make"], r["model"], r["serial"], r["owner"],
                          format_date(r["calibrated_on"]) if r["calibrated_on"] else "",
                          format_date(r["calibration_due"]) if r["calibration_due"] else "",
                          format_number(r["factor"]) if r["factor"] is not None else "",
                          site or _("not deployed"),
                          format_datetime(r["deployed_since"]) if r["deployed_since"] else ""])
        _fill(self.table, cells, [r["id"] for r in rows])
        self.status.setText(_("{n} instruments").format(n=len(rows)) if rows else
                            _("No instruments yet: add one, or import a logger file (its serial "
                              "number registers the instrument)."))
        for row in range(self.table.rowCount()):
            item = self.table.item(row, 0)
            if item is not None and item.data(Qt.ItemDataRole.UserRole) == keep:
                self.table.selectRow(row)
        self._selection_changed()

    def selected(self) -> dict[str, Any] | None:
        key = _selected_key(self.table)
        return self.rows.get(key) if key else None

    def _selection_changed(self) -> None:
        row = self.selected()
        self.edit_btn.setEnabled(row is not None)
        self.move_btn.setEnabled(row is not None)
        self.imports_btn.setEnabled(row is not None and bool(row["deployments"]))

    def add(self) -> None:
        self.dialog = InstrumentDialog(self.ops, None, self)
        self.dialog.show()

    def edit(self) -> None:
        row = self.selected()
        if row is not None:
            self.dialog = InstrumentDialog(self.ops, row, self)
            self.dialog.show()

    def relocate(self) -> None:
        row = self.selected()
        if row is not None:
            self.dialog = MoveDialog(self.ops, row, self)
            self.dialog.show()

    def imports(self) -> None:
        row = self.selected()
        if row is not None:
            self.dialog = ImportsDialog(self.ops, row["id"], None, self)
            self.dialog.show()


class InstrumentDialog(QDialog):
    """Add an instrument, or edit one (its serial is set once)."""

    def __init__(self, ops: Any, row: dict[str, Any] | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ops = ops
        self.row = row
        r = row or {}
        self.setWindowTitle(_("Edit instrument") if row else _("Add instrument"))
        self.serial = QLineEdit(_txt(r.get("serial")))
        self.serial.setEnabled(row is None)
        self.make, self.model = QLineEdit(_txt(r.get("make"))), QLineEdit(_txt(r.get("model")))
        self.owner = QLineEdit(_txt(r.get("owner")))
        self.calibrated = QLineEdit(_txt(r.get("calibrated_on")))
        self.calibrated.setPlaceholderText(_("YYYY-MM-DD"))
        self.due = QLineEdit(_txt(r.get("calibration_due")))
        self.due.setPlaceholderText(_("YYYY-MM-DD"))
        self.factor = QLineEdit(_txt(r.get("factor")))
        self.offset = QLineEdit(_txt(r.get("offset")))
        self.notes = QLineEdit(_txt(r.get("notes")))
        form = QFormLayout()
        form.addRow(_("Serial number:"), self.serial)
        form.addRow(_("Make:"), self.make)
        form.addRow(_("Model:"), self.model)
        form.addRow(_("Owner:"), self.owner)
        form.addRow(_("Calibrated on:"), self.calibrated)
        form.addRow(_("Calibration due:"), self.due)
        form.addRow(_("Co-location factor:"), self.factor)
        form.addRow(_("Co-location offset:"), self.offset)
        form.addRow(_("Notes:"), self.notes)
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b00020")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def save(self) -> None:
        try:
            fields: dict[str, Any] = {
                "make": self.make.text().strip(), "model": self.model.text().strip(),
                "owner": self.owner.text().strip(), "notes": self.notes.text().strip(),
                "calibrated_on": self.calibrated.text().strip() or None,
                "calibration_due": self.due.text().strip() or None,
                "factor": _num(self.factor.text()), "offset": _num(self.offset.text())}
        except ValueError:
            self.error.setText(_("The factor and the offset are numbers."))
            return
        instrument_id = self.row["id"] if self.row else None
        if instrument_id is None:
            fields["serial"] = self.serial.text().strip()

        def work(store: Any) -> str:
            from pemdesk.instruments.register import save_instrument

            return save_instrument(store, fields, instrument_id)

        self.ops.write(work, lambda _r: self.accept(),
                       lambda exc: self.error.setText(user_message(exc)))


class MoveDialog(QDialog):
    """Move an instrument: its current deployment ends when the new one starts."""

    def __init__(self, ops: Any, row: dict[str, Any], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ops = ops
        self.row = row
        self.setWindowTitle(_("Move instrument {serial}").format(serial=row["serial"]))
        self.site = QComboBox()
        self.site.setMinimumContentsLength(30)
        self.at = QLineEdit(datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:00Z"))
        self.at.setToolTip(_("UTC, as 2026-06-30T08:00:00Z"))
        self.name = QLineEdit()
        self.lon, self.lat = QLineEdit(), QLineEdit()
        self.height_edit, self.depth_edit = QLineEdit(), QLineEdit()
        form = QFormLayout()
        form.addRow(_("Site:"), self.site)
        form.addRow(_("From (UTC):"), self.at)
        form.addRow(_("Name of the place:"), self.name)
        pos = QHBoxLayout()
        pos.addWidget(self.lon)
        pos.addWidget(self.lat)
        form.addRow(_("Position (lon, lat):"), pos)
        form.addRow(_("Height above ground, m:"), self.height_edit)
        form.addRow(_("Depth, m:"), self.depth_edit)
        current = row["site_name_mn"]
        note = QLabel(
            _("Its deployment at {site} ends at that time; the readings already imported stay "
              "with it.").format(site=current) if current else
            _("It is not deployed now: this starts its first deployment."))
        note.setWordWrap(True)
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b00020")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)

        def sites(store: Any) -> list[tuple[str, str]]:
            name = "COALESCE(NULLIF(name_en, ''), name_mn)" if get_language() == "en" else "name_mn"
            return [(r["id"], r["name"]) for r in store._query(
                f"SELECT id, {name} AS name FROM site WHERE _deleted = 0 ORDER BY 2")]

        ops.run(sites, self._sites)

    def _sites(self, rows: list[tuple[str, str]]) -> None:
        from shiboken6 import isValid

        if not isValid(self):
            return
        for site_id, name in rows:
            self.site.addItem(name, site_id)
        if self.row.get("site_id"):
            self.site.setCurrentIndex(max(0, self.site.findData(self.row["site_id"])))

    def save(self) -> None:
        site_id = self.site.currentData()
        if not site_id:
            self.error.setText(_("Choose a site."))
            return
        try:
            kw: dict[str, Any] = {"name": self.name.text().strip(), "lon": _num(self.lon.text()),
                  "lat": _num(self.lat.text()), "height_m": _num(self.height_edit.text()),
                  "depth_m": _num(self.depth_edit.text())}
        except ValueError:
            self.error.setText(_("Numbers only in the position, height and depth."))
            return
        instrument_id, at = self.row["id"], self.at.text().strip()

        def work(store: Any) -> str:
            from pemdesk.instruments.register import move_instrument

            return move_instrument(store, instrument_id, site_id, at, **kw)

        self.ops.write(work, lambda _r: self.accept(),
                       lambda exc: self.error.setText(user_message(exc)))


class ImportsDialog(QDialog):
    """The imported files of an instrument's deployments (or of one deployment), each one
    removable ("undo an import"); the removal syncs like every other change."""

    def __init__(self, ops: Any, instrument_id: str | None, deployment_id: str | None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ops = ops
        self.instrument_id = instrument_id
        self.deployment_id = deployment_id
        self.rows: dict[str, dict[str, Any]] = {}
        self._done = ""  # what the last removal did, shown above the list
        self.setWindowTitle(_("Imported files"))
        self.table = list_table(
            [_("Deployment"), _("File"), _("Imported"), _("Readings"), _("Flagged"),
             _("First (UTC)"), _("Last (UTC)")],
            fit_contents=True)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.remove_btn = QPushButton(_("Remove this import…"))
        self.remove_btn.clicked.connect(self.remove)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        self.status = QLabel()
        self.status.setWordWrap(True)
        bar = QHBoxLayout()
        bar.addWidget(self.remove_btn)
        bar.addStretch(1)
        bar.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(self.status)
        layout.addLayout(bar)
        self.resize(1100, 360)
        self._selection_changed()
        self.refresh()

    def refresh(self) -> None:
        instrument_id, deployment_id = self.instrument_id, self.deployment_id

        def fetch(store: Any) -> list[dict[str, Any]]:
            from pemdesk.storage import readings as rs

            ids = [deployment_id] if deployment_id is not None else [
                r["id"] for r in store._query(
                    "SELECT id FROM deployment WHERE instrument_id = ? AND _deleted = 0 "
                    "ORDER BY started_at", [instrument_id])]
            deps = [rs.get_deployment(store, d) for d in ids]
            out = []
            for d in deps:
                site = store._query("SELECT name_mn FROM site WHERE id = ?", [d["site_id"]])
                where = f"{site[0]['name_mn'] if site else '?'}, {d['started_at'][:10]}"
                out += [{**b, "where": where} for b in rs.batches(store, d["id"])]
            return out

        self.ops.run(fetch, self._show, lambda exc: self.status.setText(user_message(exc)))

    def _show(self, rows: list[dict[str, Any]]) -> None:
        from shiboken6 import isValid

        if not isValid(self):
            return
        self.rows = {r["id"]: r for r in rows}
        _fill(self.table, [[r["where"], r["source_name"], format_datetime(r["created_at"]),
                            str(r["count"]), str(r["flagged"]), _utc(r["first_at"]),
                            _utc(r["last_at"])] for r in rows], [r["id"] for r in rows])
        notes = [self._done] if self._done else []
        if not rows:
            notes.append(_("Nothing imported yet."))
        self.status.setText(" ".join(notes))
        self._selection_changed()

    def _selection_changed(self) -> None:
        self.remove_btn.setEnabled(_selected_key(self.table) is not None)

    def remove(self) -> None:
        key = _selected_key(self.table)
        if key is None:
            return
        row = self.rows[key]
        answer = QMessageBox.question(
            self, _("Remove this import…"),
            _("Remove the {n} readings imported from {file}? The other imports stay; the "
              "removal is sent to the server at the next sync.").format(
                n=row["count"], file=row["source_name"]))
        if answer != QMessageBox.StandardButton.Yes:
            return

        def work(store: Any) -> int:
            from pemdesk.storage import readings as rs

            return rs.remove_import(store, key)

        def done(n: int) -> None:
            self._done = _("{n} readings removed.").format(n=n)
            self.refresh()

        self.ops.write(work, done, lambda exc: self.status.setText(user_message(exc)))
