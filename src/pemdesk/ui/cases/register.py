"""The cases window: the findings register (filters, history, evidence, responses), the grievance
register with its form and acknowledgement slip, and the EMP commitments of each site.

Opened from the main window (Tools → Findings, complaints and commitments). Widgets never touch
the store: every read and write is an operation on the main window's database worker.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QPlainTextEdit,
    QSpinBox,
    QSplitter,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from pemdesk import model
from pemdesk.cases.records import (
    CaseStatus,
    Channel,
    Commitment,
    Complainant,
    FindingStep,
    Grievance,
    GrievanceCategory,
    GrievanceStatus,
    Party,
    StepKind,
    case_label,
)
from pemdesk.i18n import _, format_date
from pemdesk.labels import N_, label
from pemdesk.storage import Store
from pemdesk.storage import cases as cs
from pemdesk.ui.cases.common import Translated, enum_combo, fill_enum_combo, guarded, set_combo_data
from pemdesk.ui.cases.editor import _data, _item, _paint, _table
from pemdesk.ui.errors import show_error


def _esc(text: object) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class _Tab(QWidget):
    def __init__(self, window: CasesWindow) -> None:
        super().__init__()
        self.window_ = window
        self.ops = window.ops
        self.t = Translated()

    def run(self, operation: Callable[[Store], Any], done: Callable[[Any], None]) -> None:
        self.ops.run(operation, guarded(self, done),
                     guarded(self, lambda exc: show_error(self, exc)))

    def write(self, operation: Callable[[Store], Any],
              done: Callable[[Any], None] | None = None) -> None:
        self.ops.write(operation, guarded(self, done or (lambda _r: None)),
                       guarded(self, lambda exc: show_error(self, exc)))

    def refresh(self) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def retranslate(self) -> None:
        self.t.retranslate()
        self.refresh()


# --- findings register ------------------------------------------------------------------------
class ResponseDialog(QDialog):
    """The responsible party's response (or a resolve/reopen/note step) to a finding."""

    def __init__(self, parent: QWidget, finding: str, kind: StepKind = StepKind.RESPONSE) -> None:
        super().__init__(parent)
        self.kind = kind
        self.setWindowTitle(case_label(kind))
        form = QFormLayout(self)
        form.addRow(QLabel(f"<b>{_esc(finding)}</b>"))
        self.on = QLineEdit(date.today().isoformat())
        self.by = QLineEdit()
        self.party = enum_combo(Party)
        self.text = QPlainTextEdit()
        self.text.setMaximumHeight(90)
        self.action = QLineEdit()
        self.planned_by = QLineEdit()
        self.planned_by.setPlaceholderText("YYYY-MM-DD")
        form.addRow(_("Date"), self.on)
        form.addRow(_("By (name)"), self.by)
        form.addRow(_("Party"), self.party)
        form.addRow(_("Response") if kind == StepKind.RESPONSE else _("Reason or note"), self.text)
        if kind == StepKind.RESPONSE:
            form.addRow(_("Planned action"), self.action)
            form.addRow(_("Planned by (date)"), self.planned_by)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(_("Record"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(_("Cancel"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def step(self, finding_id: str) -> FindingStep:
        return FindingStep(finding_id, self.kind, self.on.text().strip(),
                           by_name=self.by.text().strip(), by_party=Party(self.party.currentData()),
                           text=self.text.toPlainText().strip(),
                           planned_action=self.action.text().strip(),
                           planned_by=self.planned_by.text().strip() or None)


@dataclass
class RegisterData:
    rows: list[cs.FindingRow]
    sites: list[model.Site]
    photos: dict[str, tuple[model.Photo, str | None]]  # id -> photo, thumbnail path


def load_register(store: Store, f: cs.FindingFilter) -> RegisterData:
    from pemdesk.photos.files import PhotoFiles

    rows = cs.findings(store, f)
    files = PhotoFiles(store.data_dir)
    photos: dict[str, tuple[model.Photo, str | None]] = {}
    for row in rows:
        for pid in [*(row.case.photo_ids if row.case else []),
                    *(p for s in row.steps for p in s.photo_ids)]:
            if pid not in photos and store.exists(model.Photo, pid):
                photo = store.get(model.Photo, pid)
                thumb = files.thumb_path(photo.sha256)
                photos[pid] = (photo, str(thumb) if thumb.is_file() else None)
    return RegisterData(rows, store.list_sites(), photos)


STATUSES = list(CaseStatus)


class FindingsTab(_Tab):
    loaded = Signal()

    def __init__(self, window: CasesWindow) -> None:
        super().__init__(window)
        self.data: RegisterData | None = None
        layout = QVBoxLayout(self)
        filters = QHBoxLayout()
        self.site = QComboBox()
        self.status = enum_combo(STATUSES, blank=N_("Any status"))
        self.party = enum_combo(Party, blank=N_("Any party"))
        self.open_only = QCheckBox()
        self.t.tr(self.open_only.setText, N_("Open only"))
        self.overdue = QCheckBox()
        self.t.tr(self.overdue.setText, N_("Overdue only"))
        for label_text, w in ((N_("Site"), self.site), (N_("Status"), self.status),
                              (N_("Responsible"), self.party)):
            filters.addWidget(self.t.label(label_text))
            filters.addWidget(w, 1)
        filters.addWidget(self.open_only)
        filters.addWidget(self.overdue)
        layout.addLayout(filters)
        for combo in (self.site, self.status, self.party):
            combo.currentIndexChanged.connect(lambda _i: self.refresh())
        for box in (self.open_only, self.overdue):
            box.toggled.connect(lambda _on: self.refresh())
        split = QSplitter(Qt.Orientation.Horizontal)
        self.table = _table(7)
        self.table.itemSelectionChanged.connect(self._selected)
        self.table.doubleClicked.connect(lambda _i: self.open_visit())
        split.addWidget(self.table)
        right = QWidget()
        rl = QVBoxLayout(right)
        self.history = QTextBrowser()
        self.history.setOpenLinks(False)
        rl.addWidget(self.history, 2)
        self.photos = QListWidget()
        self.photos.setViewMode(QListWidget.ViewMode.IconMode)
        self.photos.setIconSize(QPixmap(96, 96).size())
        self.photos.setMaximumHeight(140)
        self.photos.itemDoubleClicked.connect(self.open_photo)
        rl.addWidget(self.photos)
        buttons = QHBoxLayout()
        self.respond_button = self.t.button(N_("Record a response…"),
                                            lambda: self.add_step(StepKind.RESPONSE))
        self.resolve_button = self.t.button(N_("Mark resolved…"),
                                            lambda: self.add_step(StepKind.RESOLVED))
        self.reopen_button = self.t.button(N_("Reopen…"), lambda: self.add_step(StepKind.REOPENED))
        self.visit_button = self.t.button(N_("Open the visit"), self.open_visit)
        for b in (self.respond_button, self.resolve_button, self.reopen_button, self.visit_button):
            buttons.addWidget(b)
        rl.addLayout(buttons)
        split.addWidget(right)
        split.setSizes([620, 420])
        layout.addWidget(split, 1)
        self.count = QLabel()
        layout.addWidget(self.count)
        self._sites_filled = False

    def filters(self) -> cs.FindingFilter:
        return cs.FindingFilter(
            site_id=self.site.currentData(),
            status=CaseStatus(self.status.currentData()) if self.status.currentData() else None,
            party=self.party.currentData(), open_only=self.open_only.isChecked(),
            overdue_only=self.overdue.isChecked())

    def refresh(self) -> None:
        f = self.filters()
        self.run(lambda store: load_register(store, f), self._show)

    def _show(self, data: RegisterData) -> None:
        self.data = data
        if not self._sites_filled or self.site.count() != len(data.sites) + 1:
            self.site.blockSignals(True)
            current = self.site.currentData()
            self.site.clear()
            self.site.addItem(_("All sites"), None)
            for s in data.sites:
                self.site.addItem(s.name(), s.id)
            set_combo_data(self.site, current)
            self.site.blockSignals(False)
            self._sites_filled = True
        else:
            self.site.setItemText(0, _("All sites"))
        for combo, values, blank in ((self.status, STATUSES, N_("Any status")),
                                     (self.party, list(Party), N_("Any party"))):
            combo.blockSignals(True)
            fill_enum_combo(combo, values, blank)  # type: ignore[arg-type]
            combo.blockSignals(False)
        self.table.setRowCount(0)
        self.table.setHorizontalHeaderLabels([_("Found"), _("Site"), _("Finding"), _("Severity"),
                                              _("Status"), _("Responsible"), _("Due")])
        for row in data.rows:
            r = self.table.rowCount()
            self.table.insertRow(r)
            self.table.setItem(r, 0, _item(format_date(row.visit.started_at), row.finding.id))
            self.table.setItem(r, 1, _item(row.site.name()))
            self.table.setItem(r, 2, _item(row.finding.description))
            self.table.setItem(r, 3, _item(label(row.finding.severity)))
            self.table.setItem(r, 4, _item(case_label(row.status)))
            self.table.setItem(r, 5, _item(case_label(row.case.responsible_party)
                                           if row.case else ""))
            due = format_date(row.due_on)
            self.table.setItem(r, 6, _item(due + (" ⚠ " + _("overdue") if row.overdue else "")))
            if row.overdue:
                for c in (4, 6):
                    _paint(self.table, r, c, Qt.GlobalColor.darkRed)
        self.table.resizeColumnsToContents()
        self.table.setColumnWidth(2, min(self.table.columnWidth(2), 300))
        overdue = sum(1 for r in data.rows if r.overdue)
        self.count.setText(_("{n} findings, {overdue} overdue").format(n=len(data.rows),
                                                                       overdue=overdue))
        if data.rows:
            self.table.selectRow(0)
        else:
            self.history.clear()
            self.photos.clear()
        self.loaded.emit()

    def current(self) -> cs.FindingRow | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        if not rows or self.data is None:
            return None
        fid = _data(self.table, rows[0].row(), 0)
        return next((r for r in self.data.rows if r.finding.id == fid), None)

    def select(self, finding_id: str) -> None:
        for r in range(self.table.rowCount()):
            if _data(self.table, r, 0) == finding_id:
                self.table.selectRow(r)

    def _selected(self) -> None:
        row = self.current()
        if row is None or self.data is None:
            return
        f, c = row.finding, row.case
        lines = [f"<h3>{_esc(f.description)}</h3>",
                 f"<p>{_esc(row.site.name())} · {_esc(format_date(row.visit.started_at))} · "
                 f"{_esc(label(row.finding.severity))}</p>",
                 f"<p><b>{_esc(_('Status'))}:</b> {_esc(case_label(row.status))}"
                 + (f" — <span style='color:#b00020'>{_esc(_('overdue'))}</span>"
                    if row.overdue else "")
                 + f" · {row.days_open} {_esc(_('days'))}</p>"]
        if c is not None:
            who = case_label(c.responsible_party) + (f", {c.responsible_name}"
                                                     if c.responsible_name else "")
            lines.append(f"<p><b>{_esc(_('Responsible'))}:</b> {_esc(who)}; "
                         f"<b>{_esc(_('Due'))}:</b> {_esc(format_date(row.due_on))}</p>")
        lines.append(f"<p><b>{_esc(_('History'))}</b></p><ul>")
        lines.append(f"<li>{_esc(format_date(row.visit.started_at))}: {_esc(_('Found'))}</li>")
        for s in row.steps:
            what = case_label(s.kind) + (f": {case_label(s.outcome)}" if s.outcome else "")
            by = ", ".join(x for x in (s.by_name, case_label(s.by_party) if s.by_party else "")
                           if x)
            text = s.text + (f" — {_('Planned')}: {s.planned_action}" if s.planned_action else "")
            if s.planned_by:
                text += f" ({format_date(s.planned_by)})"
            lines.append(f"<li>{_esc(format_date(s.on_date))}: <b>{_esc(what)}</b>"
                         f"{' (' + _esc(by) + ')' if by else ''}. {_esc(text)}</li>")
        lines.append("</ul>")
        self.history.setHtml("".join(lines))
        self.photos.clear()
        from PySide6.QtGui import QIcon

        pids = [*(c.photo_ids if c else []), *(p for s in row.steps for p in s.photo_ids)]
        for pid in dict.fromkeys(pids):
            if pid not in self.data.photos:
                continue
            photo, thumb = self.data.photos[pid]
            item = QListWidgetItem(format_date(photo.taken_at) or photo.original_name)
            if thumb:
                item.setIcon(QIcon(thumb))
            item.setData(Qt.ItemDataRole.UserRole, pid)
            self.photos.addItem(item)
        resolved = row.status == CaseStatus.RESOLVED
        self.resolve_button.setEnabled(not resolved)
        self.reopen_button.setEnabled(resolved)

    def open_photo(self, item: QListWidgetItem) -> Any:
        """The evidence photo in the photo viewer (full size, rotate, original)."""
        from pemdesk.ui.photos.viewer import PhotoViewer

        pid = item.data(Qt.ItemDataRole.UserRole)
        if self.data is None or pid not in self.data.photos:
            return None
        viewer = PhotoViewer(self.ops, self.data.photos[pid][0], self)
        viewer.show()
        return viewer

    def add_step(self, kind: StepKind, dialog: ResponseDialog | None = None) -> None:
        row = self.current()
        if row is None:
            return
        dialog = dialog or ResponseDialog(self, row.finding.description, kind)
        if dialog.result() != QDialog.DialogCode.Accepted and not dialog.exec():
            return
        step = dialog.step(row.finding.id)
        fid = row.finding.id
        self.write(lambda store: cs.add_step(store, step), lambda _r: self._after(fid))

    def _after(self, finding_id: str) -> None:
        def reselect() -> None:
            self.loaded.disconnect(reselect)
            self.select(finding_id)

        self.loaded.connect(reselect)
        self.refresh()

    def open_visit(self) -> None:
        row = self.current()
        if row is not None and hasattr(self.window_.main, "open_visit"):
            self.window_.main.open_visit(row.visit.id)


# --- grievances -------------------------------------------------------------------------------
class GrievanceForm(QDialog):
    """Register a complaint (or edit one): how it came, who, where, what; confidentiality."""

    def __init__(self, parent: QWidget, sites: list[model.Site],
                 grievance: Grievance | None = None, complainant: Complainant | None = None,
                 site_id: str | None = None) -> None:
        super().__init__(parent)
        self.grievance = grievance
        self.setWindowTitle(_("Complaint") if grievance else _("New complaint"))
        form = QFormLayout(self)
        self.site = QComboBox()
        for s in sites:
            self.site.addItem(s.name(), s.id)
        set_combo_data(self.site, grievance.site_id if grievance else site_id)
        self.received = QLineEdit(grievance.received_at if grievance
                                  else date.today().isoformat())
        self.channel = enum_combo(Channel, str(grievance.channel) if grievance else None)
        self.received_by = QLineEdit(grievance.received_by if grievance else "")
        self.name = QLineEdit(complainant.name if complainant else "")
        self.contact = QLineEdit(complainant.contact if complainant else "")
        self.confidential = QCheckBox(_("Keep the complainant's identity confidential"))
        self.confidential.setChecked(bool(complainant and complainant.confidential))
        self.category = enum_combo(GrievanceCategory,
                                   str(grievance.category) if grievance else None)
        self.position = QLineEdit("" if grievance is None or grievance.lon is None
                                  else f"{grievance.lat:.6f}, {grievance.lon:.6f}")
        self.position.setPlaceholderText(_("latitude, longitude (optional)"))
        self.description = QPlainTextEdit(grievance.description if grievance else "")
        self.status = enum_combo(GrievanceStatus, str(grievance.status) if grievance else None)
        self.resolution = QPlainTextEdit(grievance.resolution if grievance else "")
        self.resolution.setMaximumHeight(60)
        self.error = QLabel()
        self.error.setStyleSheet("QLabel { color: #b00020; }")
        self.error.setWordWrap(True)
        form.addRow(_("Site"), self.site)
        form.addRow(_("Received on"), self.received)
        form.addRow(_("How"), self.channel)
        form.addRow(_("Received by"), self.received_by)
        form.addRow(_("Complainant"), self.name)
        form.addRow(_("Contact"), self.contact)
        form.addRow("", self.confidential)
        form.addRow(_("Category"), self.category)
        form.addRow(_("Place"), self.position)
        form.addRow(_("What the complaint is about"), self.description)
        form.addRow(_("Status"), self.status)
        form.addRow(_("Outcome (when closed)"), self.resolution)
        form.addRow(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Save).setText(_("Save"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(_("Cancel"))
        buttons.accepted.connect(self._check)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.resize(560, 620)

    def _check(self) -> None:
        try:
            self.records()
        except ValueError as exc:
            self.error.setText(str(exc))
            return
        self.accept()

    def records(self) -> tuple[Grievance, Complainant]:
        """The grievance and complainant as typed (ValueError with a sentence when not valid)."""
        lon = lat = None
        text = self.position.text().strip()
        if text:
            try:
                lat_s, lon_s = (x.strip() for x in text.replace(";", ",").split(","))
                lat, lon = float(lat_s), float(lon_s)
            except ValueError as exc:
                raise ValueError(_("Write the place as latitude, longitude, e.g. "
                                   "43.5123, 106.8456.")) from exc
        if not self.description.toPlainText().strip():
            raise ValueError(_("Write what the complaint is about."))
        if self.site.currentData() is None:
            raise ValueError(_("Choose the site the complaint is about."))
        g = self.grievance or Grievance(self.site.currentData(), "", GrievanceCategory.OTHER, "")
        g.site_id = self.site.currentData()
        g.received_at = self.received.text().strip()
        g.channel = Channel(self.channel.currentData())
        g.received_by = self.received_by.text().strip()
        g.category = GrievanceCategory(self.category.currentData())
        g.description = self.description.toPlainText().strip()
        g.lon, g.lat = lon, lat
        g.status = GrievanceStatus(self.status.currentData())
        g.resolution = self.resolution.toPlainText().strip()
        c = Complainant(g.id, name=self.name.text().strip(), contact=self.contact.text().strip(),
                        confidential=self.confidential.isChecked())
        return g, c


@dataclass
class GrievanceData:
    rows: list[cs.GrievanceRow]
    sites: list[model.Site]


class GrievancesTab(_Tab):
    loaded = Signal()

    def __init__(self, window: CasesWindow) -> None:
        super().__init__(window)
        self.data: GrievanceData | None = None
        layout = QVBoxLayout(self)
        buttons = QHBoxLayout()
        self.new_button = self.t.button(N_("New complaint…"), self.new)
        self.edit_button = self.t.button(N_("Open…"), self.edit)
        self.slip_button = self.t.button(N_("Acknowledgement slip…"), self.slip)
        for b in (self.new_button, self.edit_button, self.slip_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self.table = _table(8)
        self.table.doubleClicked.connect(lambda _i: self.edit())
        layout.addWidget(self.table, 1)

    def refresh(self) -> None:
        self.run(lambda store: GrievanceData(cs.grievances(store), store.list_sites()), self._show)

    def _show(self, data: GrievanceData) -> None:
        self.data = data
        self.table.setRowCount(0)
        self.table.setHorizontalHeaderLabels([_("Reference"), _("Received"), _("Site"),
                                              _("Category"), _("Complainant"), _("Status"),
                                              _("Days open"), _("Complaint")])
        for row in data.rows:
            g = row.grievance
            r = self.table.rowCount()
            self.table.insertRow(r)
            self.table.setItem(r, 0, _item(g.ref_no, g.id))
            self.table.setItem(r, 1, _item(format_date(g.received_at)))
            self.table.setItem(r, 2, _item(row.site.name()))
            self.table.setItem(r, 3, _item(case_label(g.category)))
            name = row.complainant_name()
            if row.complainant is not None and row.complainant.confidential and \
                    row.complainant.name:
                name = f"{name} ({_('confidential')})"
            self.table.setItem(r, 4, _item(name))
            self.table.setItem(r, 5, _item(case_label(g.status)))
            self.table.setItem(r, 6, _item(str(row.days_open)))
            self.table.setItem(r, 7, _item(g.description))
        self.table.resizeColumnsToContents()
        self.table.setColumnWidth(7, 320)
        self.loaded.emit()

    def current(self) -> cs.GrievanceRow | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        if not rows or self.data is None:
            return None
        gid = _data(self.table, rows[0].row(), 0)
        return next((r for r in self.data.rows if r.grievance.id == gid), None)

    def form(self, row: cs.GrievanceRow | None = None) -> GrievanceForm:
        sites = self.data.sites if self.data else []
        return GrievanceForm(self, sites, row.grievance if row else None,
                             row.complainant if row else None)

    def new(self, form: GrievanceForm | None = None) -> None:
        form = form or self.form()
        if form.result() != QDialog.DialogCode.Accepted and not form.exec():
            return
        g, c = form.records()
        self.write(lambda store: cs.save_grievance(store, g, c), lambda _r: self.refresh())

    def edit(self) -> None:
        row = self.current()
        if row is not None:
            self.new(self.form(row))

    def slip(self) -> None:
        row = self.current()
        if row is not None:
            self.window_.preview("grievance", row.grievance.id, N_("Acknowledgement slip"), True)


# --- commitments ------------------------------------------------------------------------------
class CommitmentsTab(_Tab):
    loaded = Signal()

    def __init__(self, window: CasesWindow) -> None:
        super().__init__(window)
        self.items: list[cs.AssessedCommitment] = []
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.site = QComboBox()
        self.site.currentIndexChanged.connect(lambda _i: self.refresh())
        top.addWidget(self.t.label(N_("Site")))
        top.addWidget(self.site, 1)
        self.compliance_button = self.t.button(N_("Compliance report…"), self.report)
        top.addWidget(self.compliance_button)
        layout.addLayout(top)
        self.table = _table(6)
        self.table.itemSelectionChanged.connect(self._selected)
        layout.addWidget(self.table, 1)
        form = QFormLayout()
        self.year = QSpinBox()
        self.year.setRange(1990, 2100)
        self.year.setValue(date.today().year)
        self.text = QLineEdit()
        self.target = QLineEdit()
        self.due = QLineEdit()
        self.due.setPlaceholderText("YYYY-MM-DD")
        self.source = QLineEdit()
        self.t.tr(self.source.setPlaceholderText, N_("e.g. EMP 2026, p. 14"))
        form.addRow(self.t.label(N_("Year")), self.year)
        form.addRow(self.t.label(N_("Commitment")), self.text)
        form.addRow(self.t.label(N_("Measurable target")), self.target)
        form.addRow(self.t.label(N_("Due date")), self.due)
        form.addRow(self.t.label(N_("Source (EMP year, page)")), self.source)
        layout.addLayout(form)
        buttons = QHBoxLayout()
        self.add_button = self.t.button(N_("Add as a new commitment"), lambda: self.save(True))
        self.save_button = self.t.button(N_("Save changes"), lambda: self.save(False))
        self.delete_button = self.t.button(N_("Delete"), self.delete)
        for b in (self.add_button, self.save_button, self.delete_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        layout.addLayout(buttons)

    def refresh(self) -> None:
        site_id = self.site.currentData()
        self.run(lambda store: (store.list_sites(),
                                cs.assessed_commitments(store, site_id=site_id)
                                if site_id else []), self._show)

    def _show(self, result: tuple[list[model.Site], list[cs.AssessedCommitment]]) -> None:
        sites, items = result
        if self.site.count() != len(sites):
            self.site.blockSignals(True)
            current = self.site.currentData()
            self.site.clear()
            for s in sites:
                self.site.addItem(s.name(), s.id)
            set_combo_data(self.site, current)
            self.site.blockSignals(False)
            if current is None and sites:
                self.refresh()
                return
        self.items = items
        self.table.setRowCount(0)
        self.table.setHorizontalHeaderLabels([_("Year"), _("Commitment"), _("Target"), _("Due"),
                                              _("Source"), _("Latest result")])
        for item in items:
            c = item.commitment
            r = self.table.rowCount()
            self.table.insertRow(r)
            self.table.setItem(r, 0, _item(str(c.year), c.id))
            self.table.setItem(r, 1, _item(c.text))
            self.table.setItem(r, 2, _item(c.target))
            self.table.setItem(r, 3, _item(format_date(c.due_on)))
            self.table.setItem(r, 4, _item(c.source))
            self.table.setItem(r, 5, _item(case_label(item.latest.result) if item.latest
                                           else _("Not assessed")))
        self.table.resizeColumnsToContents()
        self.table.setColumnWidth(1, min(self.table.columnWidth(1), 340))
        self.loaded.emit()

    def choose_site(self, site_id: str) -> None:
        set_combo_data(self.site, site_id)

    def _current(self) -> Commitment | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        if not rows:
            return None
        cid = _data(self.table, rows[0].row(), 0)
        return next((i.commitment for i in self.items if i.commitment.id == cid), None)

    def _selected(self) -> None:
        c = self._current()
        if c is None:
            return
        self.year.setValue(c.year)
        self.text.setText(c.text)
        self.target.setText(c.target)
        self.due.setText(c.due_on or "")
        self.source.setText(c.source)

    def save(self, new: bool) -> None:
        site_id = self.site.currentData()
        if site_id is None:
            return
        current = None if new else self._current()
        c = Commitment(site_id, self.year.value(), self.text.text().strip(),
                       target=self.target.text().strip(), due_on=self.due.text().strip() or None,
                       source=self.source.text().strip())
        if current is not None:
            c.id, c.licence_no = current.id, current.licence_no
        self.write(lambda store: cs.save_commitment(store, c), lambda _r: self.refresh())

    def delete(self) -> None:
        c = self._current()
        if c is not None:
            self.write(lambda store: store.delete(Commitment, c.id), lambda _r: self.refresh())

    def report(self) -> None:
        site_id = self.site.currentData()
        if site_id:
            self.window_.preview("compliance", site_id, N_("Compliance report"), False)


# --- the window -------------------------------------------------------------------------------
class CasesWindow(QMainWindow):
    def __init__(self, main: Any) -> None:
        super().__init__(main, Qt.WindowType.Window)
        self.main = main
        self.ops = main.ops
        self.t = Translated()
        self.t.tr(self.setWindowTitle, N_("Findings, complaints and commitments"))
        self.tabs = QTabWidget()
        self.findings = FindingsTab(self)
        self.grievances = GrievancesTab(self)
        self.commitments = CommitmentsTab(self)
        self.tabs.addTab(self.findings, "")
        self.tabs.addTab(self.grievances, "")
        self.tabs.addTab(self.commitments, "")
        self.followup_button = self.t.button(N_("Follow-up report of the site…"), self._followup)
        corner = QWidget()
        cl = QHBoxLayout(corner)
        cl.setContentsMargins(0, 0, 0, 0)
        cl.addWidget(self.followup_button)
        self.tabs.setCornerWidget(corner)
        self.setCentralWidget(self.tabs)
        self._titles()
        self.resize(1180, 720)
        self.ops.changed.connect(self.refresh)
        self.refresh()

    def _titles(self) -> None:
        for i, title in enumerate((N_("Findings register"), N_("Complaints"),
                                   N_("EMP commitments"))):
            self.tabs.setTabText(i, _(title))

    def refresh(self) -> None:
        for tab in (self.findings, self.grievances, self.commitments):
            tab.refresh()

    def retranslate(self) -> None:
        self.t.retranslate()
        self._titles()
        for tab in (self.findings, self.grievances, self.commitments):
            tab.retranslate()

    def _followup(self) -> None:
        site_id = self.findings.site.currentData()
        row = self.findings.current()
        site_id = site_id or (row.site.id if row else None)
        if site_id:
            self.preview("followup", site_id, N_("Follow-up report"), True)

    def preview(self, kind: str, key: str, title: str, public: bool) -> Any:
        from pemdesk.ui.reports.jobs import ReportRequest
        from pemdesk.ui.reports.preview import ReportPreview

        dialog = ReportPreview(self.ops, ReportRequest(kind, key, title, supports_public=public),
                               self)
        dialog.show()
        return dialog
