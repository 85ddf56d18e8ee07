"""Dialogs of the rehabilitation area: record a stage change, the commission's acceptance act,
and the coordinators' targets editor. Widgets never run SQL: work goes through ``ops``."""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from pemdesk import model
from pemdesk.i18n import _, format_number
from pemdesk.labels import N_, label
from pemdesk.rehab.records import (
    Acceptance,
    AcceptanceKind,
    Decision,
    RehabTarget,
    StageChange,
    TargetBasis,
    TargetLevel,
)
from pemdesk.ui.errors import show_error


def _buttons(dialog: QDialog) -> QDialogButtonBox:
    box = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
    ok = box.button(QDialogButtonBox.StandardButton.Ok)
    ok.setText(_("Save"))
    box.button(QDialogButtonBox.StandardButton.Cancel).setText(_("Cancel"))
    box.accepted.connect(dialog.accept)
    box.rejected.connect(dialog.reject)
    return box


def _date_edit(parent: QWidget, value: str | None = None) -> QDateEdit:
    edit = QDateEdit(parent)
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy.MM.dd")
    edit.setMaximumDate(QDate.currentDate())
    edit.setDate(QDate.fromString(value, "yyyy-MM-dd") if value else QDate.currentDate())
    return edit


class StageChangeDialog(QDialog):
    """A dated change of a plot's stage, with the visit, who and evidence photos."""

    def __init__(self, ops: Any, plot: model.Plot, visits: list[model.Visit],
                 photos: list[model.Photo], people: list[model.Person],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ops = ops
        self.plot = plot
        self.setWindowTitle(_("Record a stage change") + f" — {plot.name}")
        self.stage = QComboBox(self)
        for stage in model.PlotStage:
            if stage != plot.stage:
                self.stage.addItem(label(stage), str(stage))
        self.on = _date_edit(self)
        self.visit = QComboBox(self)
        self.visit.addItem("—", None)
        for v in visits:
            self.visit.addItem(f"{v.started_at[:10]} {v.purpose[:40]}", v.id)
        self.person = QComboBox(self)
        self.person.addItem("—", None)
        for person in people:
            self.person.addItem(person.name, person.id)
        self.photos = QListWidget(self)
        for photo in photos:
            item = QListWidgetItem(f"{(photo.taken_at or '')[:10]} {photo.original_name}")
            item.setData(Qt.ItemDataRole.UserRole, photo.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.photos.addItem(item)
        self.note = QLineEdit(self)
        form = QFormLayout()
        form.addRow(_("New stage"), self.stage)
        form.addRow(_("Date"), self.on)
        form.addRow(_("Visit"), self.visit)
        form.addRow(_("Who"), self.person)
        form.addRow(_("Evidence photos"), self.photos)
        form.addRow(_("Note"), self.note)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(_buttons(self))

    def change(self) -> StageChange:
        ids = [self.photos.item(i).data(Qt.ItemDataRole.UserRole)
               for i in range(self.photos.count())
               if self.photos.item(i).checkState() == Qt.CheckState.Checked]
        return StageChange(
            plot_id=self.plot.id, to_stage=model.PlotStage(self.stage.currentData()),
            changed_on=self.on.date().toString("yyyy-MM-dd"), visit_id=self.visit.currentData(),
            person_id=self.person.currentData(),
            recorded_by=self.person.currentText() if self.person.currentData() else "",
            photo_ids=ids, note=self.note.text().strip())

    def accept(self) -> None:
        from pemdesk.storage import rehab as rs

        change = self.change()
        self.ops.write(lambda store: rs.record_stage_change(store, change),
                       lambda _r: QDialog.accept(self), lambda exc: show_error(self, exc))


class AcceptanceDialog(QDialog):
    """The commission's acceptance act: kind, date, decision, members, criteria checklist."""

    ANSWERS = ("unknown", "yes", "no")

    def __init__(self, ops: Any, plot: model.Plot, visits: list[model.Visit],
                 parent: QWidget | None = None) -> None:
        from pemdesk.rehab.acceptance import checklist

        super().__init__(parent)
        self.ops = ops
        self.plot = plot
        self.saved: Acceptance | None = None
        self.setWindowTitle(_("Acceptance act") + f" — {plot.name}")
        self.resize(760, 640)
        self.kind = QComboBox(self)
        self.kind.addItem(_("technical"), str(AcceptanceKind.TECHNICAL))
        self.kind.addItem(_("biological"), str(AcceptanceKind.BIOLOGICAL))
        self.kind.currentIndexChanged.connect(self._fill_criteria)
        self.on = _date_edit(self)
        self.decision = QComboBox(self)
        for value, text in ((Decision.ACCEPTED, _("accepted")),
                            (Decision.CONDITIONAL, _("accepted with conditions")),
                            (Decision.REJECTED, _("not accepted"))):
            self.decision.addItem(text, str(value))
        self.act_no = QLineEdit(self)
        self.visit = QComboBox(self)
        self.visit.addItem("—", None)
        for v in visits:
            self.visit.addItem(v.started_at[:10], v.id)
        self.members = QTableWidget(5, 3, self)
        self.members.setHorizontalHeaderLabels([_("Name"), _("Role"), _("Organisation")])
        self.members.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.criteria = QTableWidget(0, 3, self)
        self.criteria.setHorizontalHeaderLabels([_("Criterion"), _("Met"), _("Source")])
        self.criteria.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.criteria.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.note_std = QLabel(self)
        self.note_std.setWordWrap(True)
        cl = checklist()
        from pemdesk.i18n import get_language

        self.note_std.setText(cl.note_mn if get_language() == "mn" else cl.note_en)
        self.notes = QPlainTextEdit(self)
        self.notes.setMaximumHeight(60)
        form = QFormLayout()
        form.addRow(_("Kind of rehabilitation"), self.kind)
        form.addRow(_("Date"), self.on)
        form.addRow(_("Decision"), self.decision)
        form.addRow(_("Act number"), self.act_no)
        form.addRow(_("Visit"), self.visit)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(QLabel(_("Members of the commission"), self))
        layout.addWidget(self.members)
        layout.addWidget(QLabel(_("Criteria checked"), self))
        layout.addWidget(self.criteria, 1)
        layout.addWidget(self.note_std)
        layout.addWidget(QLabel(_("Notes"), self))
        layout.addWidget(self.notes)
        layout.addWidget(_buttons(self))
        self._fill_criteria()

    def _fill_criteria(self) -> None:
        from pemdesk.i18n import get_language
        from pemdesk.rehab.acceptance import checklist

        items = checklist().for_kind(self.kind.currentData())
        self.criteria.setRowCount(len(items))
        texts = {"unknown": _("not checked"), "yes": _("yes"), "no": _("no")}
        for row, c in enumerate(items):
            name = QTableWidgetItem(c.text(get_language()))
            name.setData(Qt.ItemDataRole.UserRole, c.code)
            name.setFlags(name.flags() & ~Qt.ItemFlag.ItemIsEditable)
            self.criteria.setItem(row, 0, name)
            answer = QComboBox(self.criteria)
            for value in self.ANSWERS:
                answer.addItem(texts[value], value)
            self.criteria.setCellWidget(row, 1, answer)
            source = QTableWidgetItem(_(c.source))  # citations stay as published
            source.setFlags(source.flags() & ~Qt.ItemFlag.ItemIsEditable)
            self.criteria.setItem(row, 2, source)
        self.criteria.resizeRowsToContents()

    def set_member(self, row: int, name: str, role: str = "", organisation: str = "") -> None:
        for col, text in enumerate((name, role, organisation)):
            self.members.setItem(row, col, QTableWidgetItem(text))

    def set_answer(self, code: str, answer: str) -> None:
        for row in range(self.criteria.rowCount()):
            item = self.criteria.item(row, 0)
            if item is not None and item.data(Qt.ItemDataRole.UserRole) == code:
                box = self.criteria.cellWidget(row, 1)
                assert isinstance(box, QComboBox)
                box.setCurrentIndex(self.ANSWERS.index(answer))

    def act(self) -> Acceptance:
        members = []
        for row in range(self.members.rowCount()):
            cells = [self.members.item(row, c) for c in range(3)]
            values = [c.text().strip() if c is not None else "" for c in cells]
            if values[0]:
                members.append({"name": values[0], "role": values[1], "organisation": values[2]})
        criteria = {}
        for row in range(self.criteria.rowCount()):
            box = self.criteria.cellWidget(row, 1)
            item = self.criteria.item(row, 0)
            assert isinstance(box, QComboBox) and item is not None
            criteria[item.data(Qt.ItemDataRole.UserRole)] = box.currentData()
        return Acceptance(
            plot_id=self.plot.id, kind=AcceptanceKind(self.kind.currentData()),
            accepted_on=self.on.date().toString("yyyy-MM-dd"),
            decision=Decision(self.decision.currentData()), members=members, criteria=criteria,
            act_no=self.act_no.text().strip(), visit_id=self.visit.currentData(),
            notes=self.notes.toPlainText().strip())

    def accept(self) -> None:
        from pemdesk.storage import rehab as rs

        act = self.act()

        def done(saved: Acceptance) -> None:
            self.saved = saved
            QDialog.accept(self)

        self.ops.write(lambda store: rs.save_acceptance(store, act), done,
                       lambda exc: show_error(self, exc))


def builtin_texts(t: Any) -> tuple[str, str]:
    """Name and source of a target; the shipped ones (marked *) in the program's language."""
    if t.id.startswith("builtin-"):
        return _(t.name) + " *", _(t.source)
    return t.name, t.source


class TargetsDialog(QDialog):
    """The coordinators' targets: each with the hectares the plots' histories give, imported
    from CSV/XLSX or typed. Only coordinators' changes are accepted by the server."""

    COLUMNS = (N_("Level"), N_("Place"), N_("Year"), N_("Stage"), N_("Basis"), N_("Target, ha"),
               N_("Actual, ha"), N_("Share"), N_("Name"), N_("Source"))

    def __init__(self, ops: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ops = ops
        self.setWindowTitle(_("Rehabilitation targets"))
        self.resize(1000, 520)
        self.role = QLabel(self)
        self.role.setWordWrap(True)
        self.table = QTableWidget(0, len(self.COLUMNS), self)
        self.table.setHorizontalHeaderLabels([_(c) for c in self.COLUMNS])
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.doubleClicked.connect(lambda _i: self.edit_selected())
        self.import_button = QPushButton(_("Import CSV or XLSX…"), self)
        self.import_button.clicked.connect(self.import_file)
        self.add_button = QPushButton(_("Add a target…"), self)
        self.add_button.clicked.connect(lambda: self.edit(None))
        self.edit_button = QPushButton(_("Edit…"), self)
        self.edit_button.clicked.connect(self.edit_selected)
        self.delete_button = QPushButton(_("Delete"), self)
        self.delete_button.clicked.connect(self.delete_selected)
        close = QPushButton(_("Close"), self)
        close.clicked.connect(self.accept)
        row = QHBoxLayout()
        for b in (self.import_button, self.add_button, self.edit_button, self.delete_button):
            row.addWidget(b)
        row.addStretch(1)
        row.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.role)
        layout.addWidget(self.table, 1)
        layout.addLayout(row)
        self.targets: list[RehabTarget] = []
        self.reload()

    def reload(self) -> None:
        from pemdesk.storage import rehab as rs

        def load(store: Any) -> tuple[str | None, list[Any]]:
            years = sorted({t.year for t in rs.list_targets(store)})
            return store.meta("sync.role"), [p for y in years for p in rs.target_progress(store, y)]

        self.ops.run(load, self._show, lambda exc: show_error(self, exc))

    def _show(self, result: tuple[str | None, list[Any]]) -> None:
        from pemdesk.reports.rehab import target_name

        role, progress = result
        if role == "coordinator":
            self.role.setText(_("You are a coordinator: your targets are sent to every laptop."))
        else:
            self.role.setText(_("Only a coordinator's targets are accepted by the server; on "
                                "this laptop they stay local until a coordinator enters them."))
        self.targets = [p.target for p in progress]
        self.table.setRowCount(len(progress))
        levels = {"national": _("national"), "aimag": _("aimag"), "soum": _("soum")}
        for r, p in enumerate(progress):
            t = p.target
            values = [
                levels.get(str(t.level), str(t.level)), target_name(t, "mn").split(":")[0]
                if t.level != "national" else "—", str(t.year), label(model.PlotStage(t.stage)),
                _("reached in the year") if t.basis == "in_year" else _("at the end of the year"),
                format_number(t.area_ha, 1), format_number(p.actual_ha, 1),
                f"{format_number(100 * p.share, 1)} %",
                *builtin_texts(t),
            ]
            for c, v in enumerate(values):
                self.table.setItem(r, c, QTableWidgetItem(v))

    def import_file(self, path: str | None = None) -> None:
        from pemdesk.storage import rehab as rs

        if not path:
            path, _filter = QFileDialog.getOpenFileName(
                self, _("Import CSV or XLSX…"), "", _("Targets (*.csv *.xlsx)"))
        if not path:
            return
        chosen = path

        def done(result: Any) -> None:
            QMessageBox.information(self, _("Rehabilitation targets"), _(
                "Targets: {added} added, {updated} updated, {unchanged} unchanged.").format(
                added=result.added, updated=result.updated, unchanged=result.unchanged))
            self.reload()

        self.ops.write(lambda store: rs.import_targets_file(store, chosen), done,
                       lambda exc: show_error(self, exc))

    def edit_selected(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if rows:
            self.edit(self.targets[rows[0].row()])

    def delete_selected(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return
        target = self.targets[rows[0].row()]
        if target.id.startswith("builtin-"):
            QMessageBox.information(self, _("Rehabilitation targets"),
                                    _("A built-in target cannot be deleted; import a corrected one."))
            return
        answer = QMessageBox.question(self, _("Rehabilitation targets"),
                                      _("Delete the target “{name}”?").format(name=target.name))
        if answer != QMessageBox.StandardButton.Yes:
            return
        target_id = target.id
        self.ops.write(lambda store: store.delete(RehabTarget, target_id), lambda _r: self.reload(),
                       lambda exc: show_error(self, exc))

    def edit(self, target: RehabTarget | None) -> None:
        from pemdesk.storage import rehab as rs

        form = TargetForm(target, self)
        if form.exec() != QDialog.DialogCode.Accepted:
            return
        edited = form.target()
        self.ops.write(lambda store: rs.save_target(store, edited), lambda _r: self.reload(),
                       lambda exc: show_error(self, exc))


class TargetForm(QDialog):
    def __init__(self, target: RehabTarget | None, parent: QWidget | None = None) -> None:
        from pemdesk.gazetteer import Gazetteer

        super().__init__(parent)
        self.setWindowTitle(_("Rehabilitation target"))
        self.original = target
        gaz = Gazetteer.load()
        self.level = QComboBox(self)
        for value, text in ((TargetLevel.NATIONAL, _("national")), (TargetLevel.AIMAG, _("aimag")),
                            (TargetLevel.SOUM, _("soum"))):
            self.level.addItem(text, str(value))
        self.aimag = QComboBox(self)
        self.aimag.addItem("—", None)
        for a in gaz.aimags():
            self.aimag.addItem(a.name(), a.code)
        self.soum = QComboBox(self)
        self.aimag.currentIndexChanged.connect(self._fill_soums)
        self.year = QSpinBox(self)
        self.year.setRange(1990, 2100)
        self.year.setValue(date.today().year)
        self.stage = QComboBox(self)
        for stage in model.PlotStage:
            self.stage.addItem(label(stage), str(stage))
        self.basis = QComboBox(self)
        self.basis.addItem(_("reached in the year"), str(TargetBasis.IN_YEAR))
        self.basis.addItem(_("at the end of the year"), str(TargetBasis.CUMULATIVE))
        self.area = QDoubleSpinBox(self)
        self.area.setRange(0, 1_000_000)
        self.area.setDecimals(1)
        self.name = QLineEdit(self)
        self.source = QLineEdit(self)
        form = QFormLayout()
        for text, w in ((_("Level"), self.level), (_("Aimag"), self.aimag), (_("Soum"), self.soum),
                        (_("Year"), self.year), (_("Stage"), self.stage), (_("Basis"), self.basis),
                        (_("Target, ha"), self.area), (_("Name"), self.name),
                        (_("Source"), self.source)):
            form.addRow(text, w)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(_buttons(self))
        if target is not None:
            self.level.setCurrentIndex(self.level.findData(str(target.level)))
            self.aimag.setCurrentIndex(max(0, self.aimag.findData(target.aimag_code)))
            self._fill_soums()
            self.soum.setCurrentIndex(max(0, self.soum.findData(target.soum_code)))
            self.year.setValue(target.year)
            self.stage.setCurrentIndex(self.stage.findData(str(target.stage)))
            self.basis.setCurrentIndex(self.basis.findData(str(target.basis)))
            self.area.setValue(target.area_ha)
            self.name.setText(target.name)
            self.source.setText(target.source)

    def _fill_soums(self) -> None:
        from pemdesk.gazetteer import Gazetteer

        self.soum.clear()
        self.soum.addItem("—", None)
        code = self.aimag.currentData()
        if code:
            for s in Gazetteer.load().soums(code):
                self.soum.addItem(s.name(), s.code)

    def target(self) -> RehabTarget:
        level = TargetLevel(self.level.currentData())
        t = RehabTarget(
            level=level, year=self.year.value(), stage=model.PlotStage(self.stage.currentData()),
            area_ha=self.area.value(),
            aimag_code=self.aimag.currentData() if level != TargetLevel.NATIONAL else None,
            soum_code=self.soum.currentData() if level == TargetLevel.SOUM else None,
            basis=TargetBasis(self.basis.currentData()), name=self.name.text().strip(),
            source=self.source.text().strip(),
            notes=self.original.notes if self.original else "")
        if self.original is not None:
            t.id = self.original.id
        return t
