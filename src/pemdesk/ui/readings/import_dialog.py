"""Import instrument files: preview, what was read, column mapping (saved as a profile), the
deployment they belong to, and the import itself off the GUI thread with progress and Cancel."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from pemdesk.i18n import _
from pemdesk.instruments.families import family_name
from pemdesk.progress import Progress
from pemdesk.ui.errors import user_message

NOT_IMPORTED = ""


def indicator_choices(lang: str) -> list[tuple[str, str]]:
    from pemdesk.catalogue import Catalogue
    from pemdesk.instruments.columns import AUX_INDICATORS, UNITS_OF_CATALOGUE

    cat = Catalogue.load()
    out = [(NOT_IMPORTED, _("— not imported —"))]
    for code in UNITS_OF_CATALOGUE:
        if code in cat:
            out.append((code, f"{cat.get(code).name(lang)} [{cat.get(code).unit}]"))
    for code, (unit, mn, en) in AUX_INDICATORS.items():
        out.append((code, f"{mn if lang == 'mn' else en} [{unit}]"))
    return out


class ImportDialog(QDialog):
    imported = Signal(object)

    def __init__(self, ops: Any, data_dir: Path, site_id: str | None, lang: str = "mn",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ops = ops
        self.data_dir = data_dir
        self.site_id = site_id
        self.lang = lang
        self.parsed: Any = None
        self.progress: Progress | None = None
        self.dep_serials: dict[str, str] = {}
        self.setWindowTitle(_("Import instrument readings"))
        self.resize(1100, 760)

        self.path_edit = QLineEdit()
        self.path_edit.setReadOnly(True)
        choose = QPushButton(_("Choose file…"))
        choose.clicked.connect(self.choose)
        top = QHBoxLayout()
        top.addWidget(QLabel(_("File:")))
        top.addWidget(self.path_edit, 1)
        top.addWidget(choose)

        self.preview = QPlainTextEdit()
        self.preview.setReadOnly(True)
        self.preview.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.result_table = QTableWidget(0, 5)
        self.result_table.setHorizontalHeaderLabels(
            [_("indicator"), _("column"), _("readings"), _("first (UTC)"), _("last (UTC)")])
        self.result_table.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents)
        self.result_table.horizontalHeader().setStretchLastSection(True)
        self.status = QLabel(_("Choose an instrument file to see what pemdesk reads in it."))
        self.status.setWordWrap(True)
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.addWidget(self.result_table, 1)
        rl.addWidget(self.status)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self._boxed(_("The file as it is"), self.preview))
        split.addWidget(self._boxed(_("What pemdesk reads"), right))
        split.setSizes([520, 560])

        # --- mapping -------------------------------------------------------------------------
        self.profile_combo = QComboBox()
        self.profile_combo.addItem(_("automatic"), "")
        for p in sorted((data_dir / "profiles").glob("*.json")):
            self.profile_combo.addItem(p.stem, str(p))
        self.profile_combo.currentIndexChanged.connect(self.reparse)
        self.header_spin = QSpinBox()
        self.header_spin.setRange(0, 10_000)
        self.header_spin.setSpecialValueText(_("found"))
        self.time_combo = QComboBox()
        self.time2_combo = QComboBox()
        self.format_edit = QLineEdit()
        self.format_edit.setPlaceholderText(_("automatic, or e.g. %d.%m.%Y %H:%M"))
        self.tz_edit = QLineEdit("+08:00")
        self.tz_edit.setToolTip(_("For times written without a zone: +08:00, UTC, Asia/Ulaanbaatar"))
        self.columns = QTableWidget(0, 3)
        self.columns.setHorizontalHeaderLabels([_("column"), _("indicator"), _("unit in the file")])
        self.columns.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        apply_btn = QPushButton(_("Apply mapping"))
        apply_btn.clicked.connect(self.apply_mapping)
        save_btn = QPushButton(_("Save as profile…"))
        save_btn.clicked.connect(self.save_profile)
        form = QFormLayout()
        form.addRow(_("Profile:"), self.profile_combo)
        form.addRow(_("Title line:"), self.header_spin)
        row = QHBoxLayout()
        row.addWidget(self.time_combo, 1)
        row.addWidget(self.time2_combo, 1)
        form.addRow(_("Date and time columns:"), row)
        form.addRow(_("Time format:"), self.format_edit)
        form.addRow(_("Time zone:"), self.tz_edit)
        mapping = QWidget()
        ml = QHBoxLayout(mapping)
        left = QWidget()
        left.setLayout(form)
        ml.addWidget(left, 1)
        colbox = QVBoxLayout()
        colbox.addWidget(self.columns, 1)
        btns = QHBoxLayout()
        btns.addWidget(apply_btn)
        btns.addWidget(save_btn)
        btns.addStretch(1)
        colbox.addLayout(btns)
        cw = QWidget()
        cw.setLayout(colbox)
        ml.addWidget(cw, 2)

        # --- target and progress -------------------------------------------------------------
        self.deployment_combo = QComboBox()
        self.serial_edit = QLineEdit()
        self.serial_edit.setPlaceholderText(_("serial number of a new instrument"))
        target = QHBoxLayout()
        target.addWidget(QLabel(_("Deployment:")))
        target.addWidget(self.deployment_combo, 2)
        target.addWidget(QLabel(_("or new instrument:")))
        target.addWidget(self.serial_edit, 1)
        self.bar = QProgressBar()
        self.bar.setVisible(False)
        self.buttons = QDialogButtonBox()
        self.import_btn = self.buttons.addButton(_("Import"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.cancel_btn = self.buttons.addButton(_("Cancel"), QDialogButtonBox.ButtonRole.RejectRole)
        self.import_btn.setEnabled(False)
        self.import_btn.clicked.connect(self.start_import)
        self.cancel_btn.clicked.connect(self.cancel)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(split, 3)
        layout.addWidget(self._boxed(_("Column mapping"), mapping), 2)
        layout.addLayout(target)
        layout.addWidget(self.bar)
        layout.addWidget(self.buttons)
        self.timer = QTimer(self)
        self.timer.timeout.connect(self._poll)
        self.load_deployments()

    @staticmethod
    def _boxed(title: str, widget: QWidget) -> QGroupBox:
        box = QGroupBox(title)
        lay = QVBoxLayout(box)
        lay.addWidget(widget)
        return box

    # --- loading ---------------------------------------------------------------------------
    def load_deployments(self) -> None:
        site = self.site_id

        def fetch(store: Any) -> Any:
            from pemdesk.storage import readings as rs

            return rs.list_deployments(store, site)

        def show(deps: list[dict[str, Any]]) -> None:
            self.dep_serials = {d["id"]: d["serial"] for d in deps}
            self.deployment_combo.clear()
            for d in deps:
                label = f"{d['make'] or family_name(d['kind'])} {d['serial']} — {d['site_name']} " \
                        f"({(d['started_at'] or '')[:10]})"
                self.deployment_combo.addItem(label, d["id"])
            self.deployment_combo.addItem(_("new deployment at this site"), "")
            self.deployment_combo.setCurrentIndex(self.deployment_combo.count() - 1)
            self._match_deployment()

        self.ops.run(fetch, show)

    def _match_deployment(self) -> None:
        """The deployment of the instrument the file names, else a new one (never a guess)."""
        serial = self.parsed.serial if self.parsed is not None else ""
        for i in range(self.deployment_combo.count()):
            dep = self.deployment_combo.itemData(i)
            if serial and dep and self.dep_serials.get(dep) == serial:
                self.deployment_combo.setCurrentIndex(i)
                return
        self.deployment_combo.setCurrentIndex(self.deployment_combo.count() - 1)

    def choose(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self, _("Instrument file"), "",
            _("Instrument files") + " (*.csv *.txt *.CSV *.TXT *.xlsx *.xls *.ods *.json *.xle "
            "*.lev);;*")
        if path:
            self.open_file(path)

    def open_file(self, path: str) -> None:
        from pemdesk.instruments.formats import inspect_columns

        self.path_edit.setText(path)
        try:
            header_line, titles, lines = inspect_columns(path)
        except Exception as exc:  # noqa: BLE001 - shown to the user
            self.status.setText(user_message(exc))
            return
        self.preview.setPlainText("\n".join(f"{i + 1:>4}  {ln}" for i, ln in enumerate(lines)))
        self.header_spin.setValue(0)
        self.titles = titles
        for combo in (self.time_combo, self.time2_combo):
            combo.clear()
            combo.addItem(_("found") if combo is self.time_combo else _("(none)"), "")
            for t in titles:
                combo.addItem(t, t)
        choices = indicator_choices(self.lang)
        self.columns.setRowCount(len(titles))
        for i, title in enumerate(titles):
            self.columns.setItem(i, 0, QTableWidgetItem(title))
            combo = QComboBox()
            for code, label in choices:
                combo.addItem(label, code)
            self.columns.setCellWidget(i, 1, combo)
            self.columns.setItem(i, 2, QTableWidgetItem(""))
        del header_line
        self.reparse()

    def current_profile(self) -> Any:
        from pemdesk.instruments.tabular import Profile

        path = self.profile_combo.currentData()
        if path:
            return Profile.from_json(Path(path).read_text(encoding="utf-8"))
        return None

    def mapping_profile(self) -> Any:
        from pemdesk.instruments.tabular import ColumnMap, Profile

        cols = []
        for i in range(self.columns.rowCount()):
            combo = self.columns.cellWidget(i, 1)
            code = combo.currentData() if isinstance(combo, QComboBox) else ""
            title = self.columns.item(i, 0)
            unit = self.columns.item(i, 2)
            if code and title is not None:
                cols.append(ColumnMap(title.text(), str(code), unit.text() if unit else ""))
        times = [c for c in (self.time_combo.currentData(), self.time2_combo.currentData()) if c]
        return Profile(header_line=self.header_spin.value() or None, time_columns=times,
                       time_format=self.format_edit.text().strip(),
                       tz=self.tz_edit.text().strip(), columns=cols)

    def reparse(self, *_args: Any, profile: Any = None) -> None:
        path = self.path_edit.text()
        if not path:
            return
        try:
            profile = profile or self.current_profile()
        except (OSError, ValueError, TypeError) as exc:
            self.status.setText(user_message(exc))
            return
        tz = self.tz_edit.text().strip() or None
        self.status.setText(_("Reading…"))

        def parse(_store: Any) -> Any:
            from pemdesk.instruments.formats import read_file

            return read_file(path, tz=tz, profile=profile)

        self.ops.run(parse, self.show_parsed, self.show_refusal)

    def show_parsed(self, parsed: Any) -> None:
        from pemdesk.instruments.timeparse import to_iso

        self.parsed = parsed
        names = dict(indicator_choices(self.lang))
        self.result_table.setRowCount(len(parsed.series))
        for i, s in enumerate(parsed.series):
            for j, text in enumerate([names.get(s.indicator, s.indicator), s.column, str(len(s)),
                                      to_iso(s.times[0]),
                                      to_iso(s.times[-1])]):
                self.result_table.setItem(i, j, QTableWidgetItem(text))
            for r in range(self.columns.rowCount()):
                item = self.columns.item(r, 0)
                combo = self.columns.cellWidget(r, 1)
                if item is not None and item.text() == s.column and isinstance(combo, QComboBox):
                    combo.setCurrentIndex(max(0, combo.findData(s.indicator)))
        zone = {"file": _("stated in the file"), "option": _("as you gave it"),
                "assumed": _("assumed — check it")}.get(parsed.tz_source, "")
        text = _("{family}: {n} readings; times read as {tz} ({how}).").format(
            family=family_name(parsed.family), n=parsed.count, tz=parsed.tz, how=zone)
        if parsed.duplicates:
            text += " " + _("{n} repeated times dropped.").format(n=parsed.duplicates)
        if parsed.skipped:
            text += " " + _("{n} lines without values skipped.").format(n=parsed.skipped)
        if parsed.serial:
            text += " " + _("Serial number: {s}.").format(s=parsed.serial)
            if not self.serial_edit.text():
                self.serial_edit.setText(parsed.serial)
        self.status.setText(text)
        self._match_deployment()
        self.import_btn.setEnabled(True)

    def show_refusal(self, exc: BaseException) -> None:
        self.parsed = None
        self.result_table.setRowCount(0)
        self.status.setText(user_message(exc))
        self.import_btn.setEnabled(False)

    def apply_mapping(self) -> None:
        self.reparse(profile=self.mapping_profile())

    def save_profile(self) -> None:
        name, ok = QInputDialog.getText(self, _("Save as profile…"), _("Profile name:"))
        if not ok or not name.strip():
            return
        profile = self.mapping_profile()
        profile.name = name.strip()
        folder = self.data_dir / "profiles"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{profile.name}.json"
        path.write_text(profile.to_json(), encoding="utf-8")
        self.profile_combo.addItem(profile.name, str(path))
        self.profile_combo.setCurrentIndex(self.profile_combo.count() - 1)

    # --- importing -------------------------------------------------------------------------
    def start_import(self) -> None:
        parsed = self.parsed
        if parsed is None:
            return
        deployment = self.deployment_combo.currentData() or ""
        serial = self.serial_edit.text().strip() or parsed.serial
        site = self.site_id
        tz = self.tz_edit.text().strip() or "+08:00"
        progress = Progress()
        self.progress = progress

        def work(store: Any) -> Any:
            from pemdesk.errors import InvalidInput
            from pemdesk.storage import readings as rs

            dep = deployment
            if not dep:
                if not site or not serial:
                    raise InvalidInput(
                        "Объект сонгож, багажийн серийн дугаарыг оруулна уу.",
                        "Choose a site and give the instrument's serial number.")
                inst = rs.instrument_by_serial(store, serial)
                iid = inst["id"] if inst else rs.add_instrument(store, serial, model=parsed.model,
                                                                kind=parsed.family)
                from pemdesk.instruments.timeparse import to_iso

                dep = rs.add_deployment(
                    store, iid, site, to_iso(parsed.first or 0), tz=tz,
                    corrections=["epa2021_purpleair"] if parsed.family == "purpleair" else [])
            sha = hashlib.sha256(Path(parsed.path).read_bytes()).hexdigest()
            return rs.import_parsed(store, dep, parsed, source_sha256=sha,
                                    progress=lambda d, t: progress.update(d, t),
                                    cancel=lambda: progress.cancelled)

        self.bar.setVisible(True)
        self.bar.setRange(0, 0)
        self.import_btn.setEnabled(False)
        self.timer.start(100)
        self.ops.write(work, self.import_finished, self.import_failed)

    def _poll(self) -> None:
        p = self.progress
        if p is not None and p.total:
            self.bar.setRange(0, int(p.total))
            self.bar.setValue(int(p.done))

    def import_finished(self, result: Any) -> None:
        self.timer.stop()
        self.progress = None
        self.bar.setRange(0, 1)
        self.bar.setValue(1)
        if result.status == "duplicate":
            self.status.setText(_("These readings were imported before; nothing was added."))
        else:
            self.status.setText(_("{n} readings imported, {f} flagged by quality control.").format(
                n=result.readings, f=result.flagged))
        self.imported.emit(result)
        self.load_deployments()

    def import_failed(self, exc: BaseException) -> None:
        self.timer.stop()
        self.progress = None
        self.bar.setVisible(False)
        self.import_btn.setEnabled(True)
        self.status.setText(user_message(exc) + " " + _("Nothing was saved from this file."))

    def cancel(self) -> None:
        if self.progress is not None:
            self.progress.cancel()
            return
        self.reject()


def dump(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False)
