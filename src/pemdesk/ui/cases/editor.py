"""The visit editor's case pages: follow-up (who must fix this visit's findings, and the site's
open findings as a re-inspection checklist), the EMP commitments assessed, and the sign-off step.

Each page is a standalone widget with ``load(detail)``, ``set_read_only`` and ``retranslate`` (the
editor's tab protocol); ``install(editor)`` adds them to a visit editor. Writes go through the
editor's database worker; the store refuses them once the visit is sealed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QRadioButton,
    QScrollArea,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from pemdesk import model
from pemdesk.cases.records import (
    Assessment,
    AssessmentResult,
    Commitment,
    FindingCase,
    FindingStep,
    Grievance,
    Outcome,
    Party,
    SignKind,
    SignOff,
    StepKind,
    case_label,
)
from pemdesk.i18n import _, format_date
from pemdesk.labels import N_, label
from pemdesk.storage import Store, VisitDetail
from pemdesk.storage import cases as cs
from pemdesk.ui.cases.common import Translated, enum_combo, fill_enum_combo, guarded, set_combo_data
from pemdesk.ui.cases.signature_pad import SignaturePad
from pemdesk.ui.errors import show_error
from pemdesk.ui.tables import list_table

PARTY_OF_ROLE = {
    model.PersonRole.COMPANY: Party.COMPANY, model.PersonRole.SOUM_OFFICIAL: Party.SOUM,
    model.PersonRole.INSPECTOR: Party.INSPECTORATE, model.PersonRole.HERDER: Party.HERDERS,
    model.PersonRole.CITIZEN: Party.HERDERS, model.PersonRole.NGO: Party.NGO,
    model.PersonRole.MONITOR: Party.COMMITTEE, model.PersonRole.COORDINATOR: Party.AIMAG_AGENCY,
}


def _table(columns: int) -> QTableWidget:
    return list_table(columns)


def _item(text: str, data: Any = None) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setToolTip(text)
    if data is not None:
        item.setData(Qt.ItemDataRole.UserRole, data)
    return item


def _data(table: QTableWidget, row: int, column: int) -> Any:
    item = table.item(row, column)
    return item.data(Qt.ItemDataRole.UserRole) if item is not None else None


def _paint(table: QTableWidget, row: int, column: int, colour: Any, *, background: bool = False) -> None:
    item = table.item(row, column)
    if item is not None:
        (item.setBackground if background else item.setForeground)(colour)


class _Page(QWidget):
    """What the three pages share: the editor, its worker, and the tab protocol."""

    def __init__(self, editor: Any) -> None:
        super().__init__()
        self.editor = editor
        self.ops = editor.ops
        self.t = Translated()
        self.read_only = True
        self.detail: VisitDetail | None = None

    def run(self, operation: Callable[[Store], Any], done: Callable[[Any], None]) -> None:
        self.ops.run(operation, guarded(self, done),
                     guarded(self, lambda exc: show_error(self, exc)))

    def write(self, operation: Callable[[Store], Any], done: Callable[[Any], None] | None = None) -> None:
        def ok(result: Any) -> None:
            if done is not None:
                done(result)
            self.refresh()

        self.ops.write(operation, guarded(self, ok),
                       guarded(self, lambda exc: show_error(self, exc)))

    def load(self, detail: VisitDetail) -> None:
        self.detail = detail
        self.refresh()

    def refresh(self) -> None:  # pragma: no cover - every page overrides it
        raise NotImplementedError

    def set_read_only(self, read_only: bool) -> None:
        self.read_only = read_only

    def retranslate(self) -> None:
        self.t.retranslate()
        self.refresh()


# --- follow-up: this visit's findings as cases, and the site's open findings ------------------
@dataclass
class FollowUpData:
    findings: list[model.Finding]
    cases: dict[str, FindingCase]
    photos: list[model.Photo]
    grievances: list[Grievance]
    checklist: list[cs.FindingRow] = field(default_factory=list)


def load_followup(store: Store, visit_id: str) -> FollowUpData:
    visit = store.get(model.Visit, visit_id)
    return FollowUpData(
        findings=store.findings_of(visit_id),
        cases={c.finding_id: c for c in cs.cases_in(store, visit_id)},
        photos=store.visit_detail(visit_id).photos,
        grievances=[r.grievance for r in cs.grievances(store, site_id=visit.site_id)],
        checklist=cs.open_findings_for_visit(store, visit_id),
    )


class FollowUpPage(_Page):
    """Who must fix each finding and by when, with its evidence; the re-inspection checklist."""

    loaded = Signal()

    def __init__(self, editor: Any) -> None:
        super().__init__(editor)
        self.data: FollowUpData | None = None
        outer = QVBoxLayout(self)
        split = QSplitter(Qt.Orientation.Vertical)
        outer.addWidget(split)

        top = QGroupBox()
        self.t.tr(top.setTitle, N_("This visit's findings: who must fix them, by when, evidence"))
        tl = QVBoxLayout(top)
        self.cases = _table(3)
        self.cases.itemSelectionChanged.connect(self._case_selected)
        tl.addWidget(self.cases)
        form = QFormLayout()
        self.party = enum_combo(Party)
        self.responsible = QLineEdit()
        self.due = QLineEdit()
        self.due.setPlaceholderText("YYYY-MM-DD")
        self.grievance = QComboBox()
        self.evidence = QListWidget()
        self.evidence.setMaximumHeight(110)
        form.addRow(self.t.label(N_("Responsible party")), self.party)
        form.addRow(self.t.label(N_("Responsible (name)")), self.responsible)
        form.addRow(self.t.label(N_("Due date")), self.due)
        form.addRow(self.t.label(N_("Complaint it answers")), self.grievance)
        form.addRow(self.t.label(N_("Evidence photos")), self.evidence)
        tl.addLayout(form)
        self.save_case_button = self.t.button(N_("Save who, when and evidence"), self.save_case)
        tl.addWidget(self.save_case_button, 0, Qt.AlignmentFlag.AlignRight)
        split.addWidget(top)

        bottom = QGroupBox()
        self.t.tr(bottom.setTitle, N_("Open findings of this site: re-inspect them"))
        bl = QVBoxLayout(bottom)
        self.checklist = _table(6)
        self.checklist.itemSelectionChanged.connect(self._check_selected)
        bl.addWidget(self.checklist)
        row = QHBoxLayout()
        self.outcome = enum_combo(Outcome)
        self.seen = QLineEdit()
        self.t.tr(self.seen.setPlaceholderText, N_("What was seen (evidence in the photos)"))
        self.record_button = self.t.button(N_("Record re-inspection"), self.record_reinspection)
        self.take_back_button = self.t.button(N_("Take back"), self.take_back)
        row.addWidget(self.t.label(N_("Outcome")))
        row.addWidget(self.outcome)
        row.addWidget(self.seen, 1)
        row.addWidget(self.record_button)
        row.addWidget(self.take_back_button)
        bl.addLayout(row)
        split.addWidget(bottom)
        self._headers()

    def _headers(self) -> None:
        self.cases.setHorizontalHeaderLabels([_("Finding"), _("Responsible"), _("Due")])
        self.checklist.setHorizontalHeaderLabels([_("Found"), _("Finding"), _("Status"),
                                                  _("Responsible"), _("Due"),
                                                  _("In this visit")])

    def refresh(self) -> None:
        if self.detail is None:
            return
        visit_id = self.detail.visit.id
        self.run(lambda store: load_followup(store, visit_id), self._show)

    def _show(self, data: FollowUpData) -> None:
        self.data = data
        self._headers()
        fill_enum_combo(self.party, list(Party))
        fill_enum_combo(self.outcome, list(Outcome))
        self.cases.setRowCount(0)
        for f in data.findings:
            c = data.cases.get(f.id)
            r = self.cases.rowCount()
            self.cases.insertRow(r)
            self.cases.setItem(r, 0, _item(f.description, f.id))
            self.cases.setItem(r, 1, _item(case_label(c.responsible_party) if c else "—"))
            self.cases.setItem(r, 2, _item(format_date(c.due_on) if c and c.due_on else ""))
        self.grievance.clear()
        self.grievance.addItem("—", None)
        for g in data.grievances:
            self.grievance.addItem(f"{g.ref_no}: {g.description[:50]}", g.id)
        self.evidence.clear()
        for p in data.photos:
            item = QListWidgetItem(p.original_name or p.caption or p.sha256[:12])
            item.setData(Qt.ItemDataRole.UserRole, p.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.evidence.addItem(item)
        self.checklist.setRowCount(0)
        visit_id = self.detail.visit.id if self.detail else ""
        for row in data.checklist:
            r = self.checklist.rowCount()
            self.checklist.insertRow(r)
            here = next((s for s in row.steps if s.visit_id == visit_id), None)
            status = case_label(row.status) + (" ⚠" if row.overdue else "")
            self.checklist.setItem(r, 0, _item(format_date(row.visit.started_at), row.finding.id))
            self.checklist.setItem(r, 1, _item(row.finding.description))
            self.checklist.setItem(r, 2, _item(status))
            self.checklist.setItem(r, 3, _item(case_label(row.case.responsible_party)
                                               if row.case else ""))
            self.checklist.setItem(r, 4, _item(format_date(row.due_on)))
            self.checklist.setItem(r, 5, _item(
                f"{case_label(here.outcome)}: {here.text}" if here and here.outcome else "",
                here.id if here else None))
            if row.overdue:
                _paint(self.checklist, r, 2, Qt.GlobalColor.darkRed)
        self.cases.resizeColumnToContents(1)
        self.cases.setColumnWidth(0, max(240, self.cases.viewport().width()
                                         - self.cases.columnWidth(1) - 120))
        self.checklist.resizeColumnsToContents()
        self.checklist.setColumnWidth(1, min(self.checklist.columnWidth(1), 320))
        if self.cases.rowCount():
            self.cases.selectRow(0)
        self._apply()
        self.loaded.emit()

    def _selected(self, table: QTableWidget, column: int = 0) -> Any:
        rows = table.selectionModel().selectedRows() if table.selectionModel() else []
        if not rows:
            return None
        item = table.item(rows[0].row(), column)
        return item.data(Qt.ItemDataRole.UserRole) if item else None

    def _case_selected(self) -> None:
        fid = self._selected(self.cases)
        if self.data is None or fid is None:
            return
        c = self.data.cases.get(fid)
        set_combo_data(self.party, str(c.responsible_party) if c else str(Party.COMPANY))
        self.responsible.setText(c.responsible_name if c else "")
        self.due.setText(c.due_on or "" if c else "")
        set_combo_data(self.grievance, c.grievance_id if c else None)
        if c is None or c.grievance_id is None:
            self.grievance.setCurrentIndex(0)
        chosen = set(c.photo_ids) if c else set()
        for i in range(self.evidence.count()):
            item = self.evidence.item(i)
            item.setCheckState(Qt.CheckState.Checked if item.data(Qt.ItemDataRole.UserRole)
                               in chosen else Qt.CheckState.Unchecked)

    def _check_selected(self) -> None:
        self._apply()

    def select_finding(self, finding_id: str) -> None:
        for r in range(self.cases.rowCount()):
            if _data(self.cases, r, 0) == finding_id:
                self.cases.selectRow(r)

    def select_check(self, finding_id: str) -> None:
        for r in range(self.checklist.rowCount()):
            if _data(self.checklist, r, 0) == finding_id:
                self.checklist.selectRow(r)

    def save_case(self) -> None:
        fid = self._selected(self.cases)
        if fid is None or self.detail is None:
            return
        photos = [self.evidence.item(i).data(Qt.ItemDataRole.UserRole)
                  for i in range(self.evidence.count())
                  if self.evidence.item(i).checkState() == Qt.CheckState.Checked]
        visit = self.detail.visit
        case = FindingCase(fid, visit.id, visit.site_id, Party(self.party.currentData()),
                           responsible_name=self.responsible.text().strip(),
                           due_on=self.due.text().strip() or None, photo_ids=photos,
                           grievance_id=self.grievance.currentData())

        def save(store: Store) -> FindingCase:
            saved = cs.save_case(store, case)
            if case.grievance_id:
                cs.link_grievance(store, case.grievance_id, visit_id=visit.id, finding_id=fid)
            return saved

        self.write(save)

    def record_reinspection(self) -> None:
        fid = self._selected(self.checklist)
        if fid is None or self.detail is None:
            return
        visit = self.detail.visit
        me = next((person.name for p, person in self.detail.participants
                   if person.id == visit.created_by), "")
        step = FindingStep(fid, StepKind.REINSPECTION, date.today().isoformat()
                           if not visit.started_at else visit.started_at[:10],
                           by_name=me, visit_id=visit.id, outcome=Outcome(self.outcome.currentData()),
                           text=self.seen.text().strip())
        self.seen.clear()
        self.write(lambda store: cs.add_step(store, step))

    def take_back(self) -> None:
        step_id = self._selected(self.checklist, 5)
        if step_id:
            self.write(lambda store: cs.remove_reinspection(store, step_id))

    def set_read_only(self, read_only: bool) -> None:
        super().set_read_only(read_only)
        self._apply()

    def _apply(self) -> None:
        ro = self.read_only
        for w in (self.party, self.responsible, self.due, self.grievance, self.evidence,
                  self.save_case_button, self.outcome, self.seen, self.record_button):
            w.setEnabled(not ro)
        done = bool(self._selected(self.checklist, 5))
        self.record_button.setEnabled(not ro and self._selected(self.checklist) is not None
                                      and not done)
        self.take_back_button.setEnabled(not ro and done)


# --- EMP commitments assessed in the visit ----------------------------------------------------
@dataclass
class AssessData:
    commitments: list[Commitment]
    assessments: dict[str, Assessment]


def load_assessments(store: Store, visit_id: str) -> AssessData:
    visit = store.get(model.Visit, visit_id)
    year = int(visit.started_at[:4])
    items = cs.commitments(store, site_id=visit.site_id)
    items.sort(key=lambda c: (c.year != year, -c.year, c.text))
    return AssessData(items, {a.commitment_id: a for a in cs.assessments_in(store, visit_id)})


class AssessmentPage(_Page):
    """The site's EMP commitments, each assessed in this visit: met, partly, not met, not checked."""

    loaded = Signal()

    def __init__(self, editor: Any) -> None:
        super().__init__(editor)
        self.data: AssessData | None = None
        layout = QVBoxLayout(self)
        layout.addWidget(self.t.label(N_(
            "Assess the company's Environmental Management Plan commitments you could check in "
            "this visit. The commitments of a site are kept in Findings and commitments → "
            "Commitments.")))
        self.table = _table(6)
        layout.addWidget(self.table)
        self.empty = self.t.label(N_("No commitments are recorded for this site yet."))
        layout.addWidget(self.empty)

    def refresh(self) -> None:
        if self.detail is None:
            return
        visit_id = self.detail.visit.id
        self.run(lambda store: load_assessments(store, visit_id), self._show)

    def _show(self, data: AssessData) -> None:
        self.data = data
        self.table.setRowCount(0)
        self.table.setHorizontalHeaderLabels([_("Year"), _("Commitment"), _("Target"), _("Due"),
                                              _("Result"), _("Note")])
        for c in data.commitments:
            r = self.table.rowCount()
            self.table.insertRow(r)
            a = data.assessments.get(c.id)
            self.table.setItem(r, 0, _item(str(c.year), c.id))
            self.table.setItem(r, 1, _item(c.text + (f" ({c.source})" if c.source else "")))
            self.table.setItem(r, 2, _item(c.target))
            self.table.setItem(r, 3, _item(format_date(c.due_on)))
            combo = enum_combo(AssessmentResult, str(a.result) if a else None,
                               blank=N_("— not assessed"))
            if a is None:
                combo.setCurrentIndex(0)
            combo.setEnabled(not self.read_only)
            combo.currentIndexChanged.connect(lambda _i, cid=c.id: self._changed(cid))
            self.table.setCellWidget(r, 4, combo)
            note = QLineEdit(a.note if a else "")
            note.setReadOnly(self.read_only)
            note.editingFinished.connect(lambda cid=c.id: self._changed(cid))
            self.table.setCellWidget(r, 5, note)
        self.table.resizeColumnsToContents()
        self.table.setColumnWidth(1, min(self.table.columnWidth(1), 360))
        self.empty.setVisible(not data.commitments)
        self.loaded.emit()

    def _row(self, commitment_id: str) -> int:
        for r in range(self.table.rowCount()):
            if _data(self.table, r, 0) == commitment_id:
                return r
        return -1

    def assess(self, commitment_id: str, result: AssessmentResult | None, note: str = "") -> None:
        """Set a row's result and note (as the user would) and save it."""
        r = self._row(commitment_id)
        combo = self.table.cellWidget(r, 4)
        edit = self.table.cellWidget(r, 5)
        assert isinstance(combo, QComboBox) and isinstance(edit, QLineEdit)
        edit.setText(note)
        combo.blockSignals(True)
        set_combo_data(combo, str(result) if result else None)
        combo.blockSignals(False)
        self._changed(commitment_id)

    def _changed(self, commitment_id: str) -> None:
        if self.read_only or self.detail is None or self.data is None:
            return
        r = self._row(commitment_id)
        combo = self.table.cellWidget(r, 4)
        edit = self.table.cellWidget(r, 5)
        assert isinstance(combo, QComboBox) and isinstance(edit, QLineEdit)
        value = combo.currentData()
        existing = self.data.assessments.get(commitment_id)
        visit_id = self.detail.visit.id
        if value is None:
            if existing is not None:
                self.write(lambda store: cs.remove_assessment(store, existing.id))
            return
        a = Assessment(commitment_id, visit_id, AssessmentResult(value), note=edit.text().strip())
        if existing is not None and existing.result == a.result and existing.note == a.note:
            return
        self.write(lambda store: cs.save_assessment(store, a))

    def set_read_only(self, read_only: bool) -> None:
        super().set_read_only(read_only)
        for r in range(self.table.rowCount()):
            for c in (4, 5):
                w = self.table.cellWidget(r, c)
                if w is not None:
                    w.setEnabled(not read_only)


# --- the sign-off step ------------------------------------------------------------------------
@dataclass
class SignData:
    signoffs: list[SignOff]
    participants: list[tuple[model.Participant, model.Person]]
    findings: list[model.Finding]


def load_signoffs(store: Store, visit_id: str) -> SignData:
    detail = store.visit_detail(visit_id)
    return SignData(cs.signoffs_of(store, visit_id), detail.participants, detail.findings)


KINDS = (SignKind.SIGNED, SignKind.TYPED, SignKind.DISSENT, SignKind.ABSENT)
KIND_TEXT = {SignKind.SIGNED: N_("Sign on the pad"), SignKind.TYPED: N_("Type the name instead"),
             SignKind.DISSENT: N_("Disagree (dissent), with the reason"),
             SignKind.ABSENT: N_("Left early (absent)")}


class SignOffPage(_Page):
    """Every party present confirms the visit before it is sealed, or records dissent."""

    loaded = Signal()
    written = Signal()

    def __init__(self, editor: Any) -> None:
        super().__init__(editor)
        self.data: SignData | None = None
        layout = QVBoxLayout(self)
        layout.addWidget(self.t.label(N_(
            "Before the visit is finished and sealed, each participant confirms it here: a "
            "signature drawn on the pad, or the typed name for those who cannot sign. Anyone may "
            "record dissent with the reason instead; it is sealed with the visit and printed in "
            "the report.")))
        self.summary = QLabel()
        self.summary.setStyleSheet("QLabel { font-weight: bold; }")
        layout.addWidget(self.summary)
        self.table = _table(5)
        self.table.setMaximumHeight(110)
        layout.addWidget(self.table)
        self.remove_button = self.t.button(N_("Remove the selected sign-off"), self.remove)
        layout.addWidget(self.remove_button, 0, Qt.AlignmentFlag.AlignRight)

        box = QGroupBox()
        self.t.tr(box.setTitle, N_("Sign-off of one participant"))
        columns = QHBoxLayout(box)
        form = QFormLayout()
        columns.addLayout(form, 1)
        self.person = QComboBox()
        self.person.currentIndexChanged.connect(self._person_chosen)
        self.name = QLineEdit()
        self.role = QLineEdit()
        self.party = enum_combo(Party)
        form.addRow(self.t.label(N_("Participant")), self.person)
        form.addRow(self.t.label(N_("Name")), self.name)
        form.addRow(self.t.label(N_("Role")), self.role)
        form.addRow(self.t.label(N_("Party represented")), self.party)
        kinds = QGridLayout()
        self.kind_group = QButtonGroup(self)
        self.kind_buttons: dict[SignKind, QRadioButton] = {}
        for i, kind in enumerate(KINDS):
            button = QRadioButton()
            self.t.tr(button.setText, KIND_TEXT[kind])
            self.kind_group.addButton(button)
            self.kind_buttons[kind] = button
            kinds.addWidget(button, i // 2, i % 2)
        self.kind_buttons[SignKind.SIGNED].setChecked(True)
        form.addRow(self.t.label(N_("Sign-off")), kinds)
        self.typed = QLineEdit()
        self.typed_label = self.t.label(N_("Typed name"))
        form.addRow(self.typed_label, self.typed)
        self.about = QComboBox()
        self.about_label = self.t.label(N_("About finding"))
        form.addRow(self.about_label, self.about)
        self.reason = QPlainTextEdit()
        self.reason.setMaximumHeight(56)
        self.reason_label = self.t.label(N_("Reason for the dissent"))
        form.addRow(self.reason_label, self.reason)
        right = QVBoxLayout()
        columns.addLayout(right, 1)
        self.pad_label = self.t.label(N_("Signature"))
        right.addWidget(self.pad_label)
        self.pad = SignaturePad()
        right.addWidget(self.pad)
        pad_row = QHBoxLayout()
        self.clear_button = self.t.button(N_("Clear"), self.pad.clear)
        pad_row.addWidget(self.clear_button)
        pad_row.addStretch(1)
        right.addLayout(pad_row)
        right.addStretch(1)
        self.save_button = self.t.button(N_("Confirm this sign-off"), self.save)
        self.save_button.setMinimumHeight(30)
        right.addWidget(self.save_button)
        layout.addWidget(box, 1)
        for button in self.kind_buttons.values():
            button.toggled.connect(lambda _on: self._kind_changed())
        self._kind_changed()

    def kind(self) -> SignKind:
        return next(k for k, b in self.kind_buttons.items() if b.isChecked())

    def set_kind(self, kind: SignKind) -> None:
        self.kind_buttons[kind].setChecked(True)

    def _kind_changed(self) -> None:
        kind = self.kind()
        signing = kind in (SignKind.SIGNED, SignKind.DISSENT)
        for w in (self.pad, self.pad_label, self.clear_button):
            w.setVisible(signing)
        widget: QWidget
        typed = kind in (SignKind.TYPED, SignKind.DISSENT)
        self.typed.setVisible(typed)
        self.typed_label.setVisible(typed)
        dissent = kind == SignKind.DISSENT
        for widget in (self.about, self.about_label, self.reason, self.reason_label):
            widget.setVisible(dissent)

    def refresh(self) -> None:
        if self.detail is None:
            return
        visit_id = self.detail.visit.id
        self.run(lambda store: load_signoffs(store, visit_id), self._show)

    def _show(self, data: SignData) -> None:
        self.data = data
        fill_enum_combo(self.party, list(Party))
        self.table.setRowCount(0)
        self.table.setHorizontalHeaderLabels([_("Name"), _("Role"), _("Party"), _("Sign-off"),
                                              _("Reason")])
        for s in data.signoffs:
            r = self.table.rowCount()
            self.table.insertRow(r)
            self.table.setItem(r, 0, _item(s.name, s.id))
            self.table.setItem(r, 1, _item(s.role))
            self.table.setItem(r, 2, _item(case_label(s.party) if s.party else ""))
            what = case_label(s.kind)
            if s.kind == SignKind.TYPED:
                what += f": {s.typed_name}"
            self.table.setItem(r, 3, _item(what))
            self.table.setItem(r, 4, _item(s.reason))
            if s.kind == SignKind.DISSENT:
                for c in range(5):
                    _paint(self.table, r, c, Qt.GlobalColor.yellow, background=True)
        self.table.resizeColumnsToContents()
        done = {s.person_id for s in data.signoffs if s.person_id}
        self.person.blockSignals(True)
        self.person.clear()
        for participant, person in data.participants:
            if person.id not in done:
                self.person.addItem(f"{person.name} ({label(participant.role)})", person.id)
        self.person.addItem(_("Someone else (not in the participant list)"), None)
        self.person.blockSignals(False)
        self._person_chosen()
        self.about.clear()
        self.about.addItem(_("The whole record"), None)
        for n, f in enumerate(data.findings, 1):
            self.about.addItem(f"{n}. {f.description[:60]}", f.id)
        signed = sum(1 for s in data.signoffs if s.kind in (SignKind.SIGNED, SignKind.TYPED))
        dissent = sum(1 for s in data.signoffs if s.kind == SignKind.DISSENT)
        absent = sum(1 for s in data.signoffs if s.kind == SignKind.ABSENT)
        waiting = len([1 for _p, person in data.participants if person.id not in done])
        self.summary.setText(_("{signed} signed, {dissent} dissent, {absent} absent, {waiting} "
                               "participants still to confirm").format(
            signed=signed, dissent=dissent, absent=absent, waiting=waiting))
        self._apply()
        self.loaded.emit()

    def _person_chosen(self) -> None:
        if self.data is None:
            return
        pid = self.person.currentData()
        found = next(((p, person) for p, person in self.data.participants if person.id == pid),
                     None)
        if found is None:
            self.name.clear()
            self.role.clear()
            return
        participant, person = found
        self.name.setText(person.name)
        self.role.setText(label(participant.role))
        set_combo_data(self.party, str(PARTY_OF_ROLE.get(participant.role, Party.OTHER)))
        self.typed.setText(person.name)

    def choose_person(self, person_id: str | None) -> None:
        set_combo_data(self.person, person_id)
        self._person_chosen()

    def save(self) -> None:
        if self.detail is None:
            return
        kind = self.kind()
        signoff = SignOff(
            self.detail.visit.id, self.name.text().strip(), kind, role=self.role.text().strip(),
            party=Party(self.party.currentData()), person_id=self.person.currentData(),
            strokes=self.pad.strokes() if kind in (SignKind.SIGNED, SignKind.DISSENT) else [],
            typed_name=self.typed.text().strip() if kind != SignKind.SIGNED else "",
            reason=self.reason.toPlainText().strip() if kind == SignKind.DISSENT else "",
            finding_id=self.about.currentData() if kind == SignKind.DISSENT else None)

        def done(_result: Any) -> None:
            self.pad.clear()
            self.reason.clear()
            self.set_kind(SignKind.SIGNED)
            self.written.emit()

        self.write(lambda store: cs.save_signoff(store, signoff), done)

    def remove(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return
        sid = _data(self.table, rows[0].row(), 0)
        self.write(lambda store: cs.remove_signoff(store, sid), lambda _r: self.written.emit())

    def set_read_only(self, read_only: bool) -> None:
        super().set_read_only(read_only)
        self._apply()

    def _apply(self) -> None:
        ro = self.read_only
        self.pad.set_read_only(ro)
        for w in (self.person, self.name, self.role, self.party, self.typed, self.about,
                  self.reason, self.save_button, self.remove_button, self.clear_button,
                  *self.kind_buttons.values()):
            w.setEnabled(not ro)


def install(editor: Any) -> None:
    """Add the follow-up and commitments pages to a visit editor (``EDITOR_PLUGINS``)."""
    editor.followup_page = FollowUpPage(editor)
    editor.assessment_page = AssessmentPage(editor)
    editor.add_tab(editor.followup_page, N_("Follow-up of findings"))
    editor.add_tab(editor.assessment_page, N_("Commitments"))
    # New findings reach the follow-up page once the editor has saved them.
    editor.saved.connect(editor.followup_page.refresh)


def signoff_widget(review_page: Any) -> QWidget:
    """The sign-off step on the Review page, above the seal button (``REVIEW_WIDGETS``)."""
    editor = review_page.editor
    page = SignOffPage(editor)
    editor.signoff_page = page
    box = QGroupBox()
    page.t.tr(box.setTitle, N_("Sign-off by the parties"))
    scroll = QScrollArea()
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QScrollArea.Shape.NoFrame)
    scroll.setWidget(page)
    QVBoxLayout(box).addWidget(scroll)
    # The review list above keeps room to be read; the step scrolls when the window is small.
    box.setMinimumHeight(260)
    box.setMaximumHeight(560)
    box.load = page.load  # type: ignore[attr-defined]
    box.set_read_only = page.set_read_only  # type: ignore[attr-defined]
    box.retranslate = page.retranslate  # type: ignore[attr-defined]
    # A sign-off changes what blocks sealing: review again after each one.
    page.written.connect(review_page.refresh)
    return box
