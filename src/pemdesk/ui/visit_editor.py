"""The visit editor: one window per visit, with tabs General, Participants, Observations,
Findings and Notes. Every change is saved within about a second (autosave through ``ops``); a
finished visit opens read-only and can be amended as a new revision.

How to plug in (photos, map, ...):

* Add ``"pemdesk.ui.yourmodule:install"`` to ``EDITOR_PLUGINS``; ``install(editor)`` is called for
  every editor once it is built, e.g. ``editor.add_tab(PhotosTab(editor), "Photos")``.
* A tab widget may define any of ``load(detail: VisitDetail)`` (called whenever the visit is (re)
  loaded), ``set_read_only(bool)`` and ``retranslate()``; the editor calls them when present.
* Useful attributes: ``editor.visit_id``, ``editor.ops`` (the database worker), ``editor.window``
  (the main window), ``editor.read_only``, ``editor.detail`` (the last loaded VisitDetail);
  ``editor.set_position(lon, lat, source)`` sets the visit's position (e.g. picked on a map);
  ``editor.reload()`` re-reads the visit after your tab wrote to the store; signal ``loaded``.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDateTime, QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QBrush, QColor, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QCompleter,
    QDateTimeEdit,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QPlainTextEdit,
    QPushButton,
    QStyledItemDelegate,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from pemdesk import i18n, model, visits
from pemdesk.errors import InvalidInput, PemdeskError
from pemdesk.i18n import _, format_datetime
from pemdesk.ids import new_id, utc_now
from pemdesk.labels import N_, label
from pemdesk.storage import Store, VisitDetail
from pemdesk.ui.errors import show_error
from pemdesk.ui.session import _entry, _session_entries, _set_session_entries

log = logging.getLogger(__name__)

# "module:function" entries called with every editor once it is built (see the docstring).
EDITOR_PLUGINS: list[str] = ["pemdesk.ui.photos:install", "pemdesk.ui.map.install:install_editor"]

AUTOSAVE_MS = 600  # a change is in the store within about a second
SNAPSHOT_MS = 350  # typing is grouped into one undo step after this pause

OBS_COLUMNS = (
    N_("Indicator"),
    N_("Value"),
    N_("Unit"),
    N_("Method / instrument"),
    N_("Comment"),
    N_("Check"),
)
FINDING_COLUMNS = (
    N_("Category"),
    N_("Description"),
    N_("Severity"),
    N_("Follow-up"),
    N_("Follow-up note"),
)
PARTICIPANT_COLUMNS = (N_("Name"), N_("Role"), N_("Organisation"))
OK_COLOUR = QColor("#e8f5e9")
OVER_COLOUR = QColor("#ffe0b2")
BAD_COLOUR = QColor("#ffcdd2")


@dataclass
class EditorData:
    detail: VisitDetail
    site_plots: list[model.Plot]
    people: list[model.Person]
    newer: model.Visit | None


def load_editor_data(store: Store, visit_id: str) -> EditorData:
    detail = store.visit_detail(visit_id)
    return EditorData(
        detail=detail,
        site_plots=store.list_plots(detail.site.id),
        people=store.list_people(),
        newer=store.visit_superseding(visit_id),
    )


def _catalogue() -> Any:
    from pemdesk.catalogue import Catalogue

    return Catalogue.load()


class _LiveDelegate(QStyledItemDelegate):
    """A cell being typed into counts at every keystroke, before it is committed: observation
    values are checked as they are typed, and autosave keeps the text even if the program dies
    with the cell still open."""

    def __init__(self, editor: VisitEditor, table: QTableWidget) -> None:
        super().__init__(table)
        self._editor, self._table = editor, table
        self.closeEditor.connect(lambda *_args: editor._typing_done(table))

    def createEditor(self, parent: QWidget, option: Any, index: Any) -> QWidget:  # noqa: N802
        widget = super().createEditor(parent, option, index)
        if isinstance(widget, QLineEdit):
            row, column = index.row(), index.column()
            widget.textEdited.connect(
                lambda text: self._editor._typed(self._table, row, column, text)
            )
        return widget


def _show_start(combo: QComboBox, text: str) -> None:
    """Show an editable combo's text from its beginning (the group and name, not the tail)."""
    combo.setEditText(text)
    if combo.lineEdit() is not None:
        combo.lineEdit().setCursorPosition(0)


class _EnterAddsRow(QObject):
    """Enter on the last row of a table (when not editing a cell) adds a row."""

    def __init__(self, table: QTableWidget, add: Callable[[], None]) -> None:
        super().__init__(table)
        self._table, self._add = table, add

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.KeyPress and event.key() in (
            Qt.Key.Key_Return,
            Qt.Key.Key_Enter,
        ):  # type: ignore[attr-defined]
            table = self._table
            if table.state() != QAbstractItemView.State.EditingState and (
                table.rowCount() == 0 or table.currentRow() == table.rowCount() - 1
            ):
                self._add()
                return True
        return False


class VisitEditor(QMainWindow):
    closed = Signal()
    saved = Signal()
    loaded = Signal()

    def __init__(self, main_window: Any, visit_id: str) -> None:
        super().__init__(main_window, Qt.WindowType.Window)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.window_ = main_window
        self.ops = main_window.ops
        self.data_dir: Path = main_window.data_dir
        self.visit_id = visit_id
        self.detail: VisitDetail | None = None
        self.read_only = True
        self._data: EditorData | None = None
        self._base: model.Visit | None = (
            None  # the visit as loaded; fields not in widgets come from it
        )
        self._originals: dict[str, Any] = {}  # child records as loaded, by id
        self._people: dict[str, model.Person] = {}
        self._populating = False
        self._populating_rows = False
        self._row_times: dict[str, str] = {}
        self._typing: tuple[QTableWidget, int, int, str] | None = None
        self._dirty = False
        self._saving = False
        self._resave = False
        self._closing = False
        self._last_saved: str | None = None
        self._history: list[dict[str, Any]] = []
        self._history_index = -1
        self._translated: list[tuple[Callable[[str], None], str]] = []
        self._tab_titles: list[tuple[QWidget, str]] = []
        self._position: tuple[float | None, float | None, model.PositionSource | None] = (
            None,
            None,
            None,
        )
        self._position_error: str | None = None
        self._notice: Callable[[], str] | None = None

        self._autosave_timer = QTimer(self, singleShot=True, interval=AUTOSAVE_MS)
        self._autosave_timer.timeout.connect(self._autosave)
        self._snapshot_timer = QTimer(self, singleShot=True, interval=SNAPSHOT_MS)
        self._snapshot_timer.timeout.connect(self._snapshot)

        self._build()
        self.retranslate()
        self.resize(1000, 680)
        self._run_plugins()
        entries = _session_entries()
        entry = _entry(self.data_dir, visit_id)
        if entry not in entries:
            _set_session_entries([*entries, entry])
        self.reload()

    # --- building ------------------------------------------------------------------------------
    def _tr(self, setter: Callable[[str], None], text: str) -> None:
        self._translated.append((setter, text))

    def _label(self, text: str) -> QLabel:
        widget = QLabel()
        self._tr(widget.setText, text)
        return widget

    def _button(self, text: str, slot: Callable[[], Any]) -> QPushButton:
        button = QPushButton()
        button.clicked.connect(lambda _checked=False: slot())
        self._tr(button.setText, text)
        return button

    def _action(self, text: str, slot: Callable[[], Any], shortcut: Any = None) -> QAction:
        action = QAction(self)
        action.triggered.connect(lambda _checked=False: slot())
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        self._tr(action.setText, text)
        return action

    def _build(self) -> None:
        # actions, menus, tool bar
        self.action_save = self._action(
            N_("Save now"), self.save_now, QKeySequence.StandardKey.Save
        )
        self.action_finish = self._action(N_("Finish visit"), self.finish)
        self.action_amend = self._action(N_("Amend (new revision)"), self.amend)
        self.action_undo = self._action(N_("Undo"), self.undo, QKeySequence.StandardKey.Undo)
        self.action_redo = self._action(N_("Redo"), self.redo, QKeySequence.StandardKey.Redo)
        self.action_close = self._action(N_("Close"), self.close, QKeySequence.StandardKey.Close)
        self.action_add_obs = self._action(
            N_("Add observation"), self.add_observation_row, "Ctrl+Shift+O"
        )
        self.action_add_finding = self._action(
            N_("Add finding"), self.add_finding_row, "Ctrl+Shift+F"
        )
        self.action_add_participant = self._action(
            N_("Add participant"), self._add_chosen_participant, "Ctrl+Shift+P"
        )
        for action in (self.action_undo, self.action_redo):
            # text fields keep their own Ctrl+Z; these work everywhere else in the editor
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.menu_visit = self.menuBar().addMenu("")
        self._tr(self.menu_visit.setTitle, N_("&Visit"))
        for action in (
            self.action_save,
            self.action_finish,
            self.action_amend,
            None,
            self.action_close,
        ):
            if action is None:
                self.menu_visit.addSeparator()
            else:
                self.menu_visit.addAction(action)
        self.menu_edit = self.menuBar().addMenu("")
        self._tr(self.menu_edit.setTitle, N_("&Edit"))
        for action in (
            self.action_undo, self.action_redo, None,
            self.action_add_participant, self.action_add_obs, self.action_add_finding,
        ):  # fmt: skip
            if action is None:
                self.menu_edit.addSeparator()
            else:
                self.menu_edit.addAction(action)
        self.toolbar = QToolBar()
        self.toolbar.setObjectName("visit-toolbar")
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.addToolBar(self.toolbar)
        for action in (
            self.action_save,
            self.action_undo,
            self.action_redo,
            self.action_finish,
            self.action_amend,
        ):
            self.toolbar.addAction(action)

        central = QWidget()
        outer = QVBoxLayout(central)
        self.heading = QLabel()
        self.heading.setTextFormat(Qt.TextFormat.RichText)
        self.heading.setWordWrap(True)
        self.notice = QLabel()
        self.notice.setWordWrap(True)
        self.notice.setStyleSheet(
            "QLabel { background: #fff8e1; border: 1px solid #ffcc80; padding: 6px; }"
        )
        self.notice.hide()
        self.banner = QLabel()
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet(
            "QLabel { background: #e3f2fd; border: 1px solid #90caf9; padding: 6px; }"
        )
        self.banner.hide()
        self.open_newer_button = self._button(N_("Open the newer revision"), self._open_newer)
        self.open_older_button = self._button(N_("Open the earlier revision"), self._open_older)
        banner_row = QHBoxLayout()
        banner_row.addWidget(self.banner, 1)
        banner_row.addWidget(self.open_older_button)
        banner_row.addWidget(self.open_newer_button)
        outer.addWidget(self.heading)
        outer.addWidget(self.notice)
        outer.addLayout(banner_row)
        self.tabs = QTabWidget()
        outer.addWidget(self.tabs, 1)
        self.setCentralWidget(central)
        self.save_state = QLabel()
        self.statusBar().addPermanentWidget(self.save_state)

        self._build_general()
        self._build_participants()
        self._build_observations()
        self._build_findings()
        self._build_notes()
        self.add_tab(self.general_tab, N_("General"))
        self.add_tab(self.participants_tab, N_("Participants"))
        self.add_tab(self.observations_tab, N_("Observations"))
        self.add_tab(self.findings_tab, N_("Findings"))
        self.add_tab(self.notes_tab, N_("Notes"))

    def _build_general(self) -> None:
        self.general_tab = QWidget()
        outer = QVBoxLayout(self.general_tab)
        form = QFormLayout()
        outer.addLayout(form)
        outer.addStretch(1)
        self.site_label = QLabel()
        self.started = QDateTimeEdit()
        self.started.setCalendarPopup(True)
        self.position = QLineEdit()
        self.position_info = QLabel()
        self.position_info.setWordWrap(True)
        self.purpose = QLineEdit()
        self.weather = QLineEdit()
        self.plots = QListWidget()
        self.plots.setMaximumHeight(160)
        form.addRow(self._label(N_("Site")), self.site_label)
        form.addRow(self._label(N_("Started")), self.started)
        form.addRow(self._label(N_("Position")), self.position)
        form.addRow("", self.position_info)
        form.addRow(self._label(N_("Purpose")), self.purpose)
        form.addRow(self._label(N_("Weather")), self.weather)
        form.addRow(self._label(N_("Plots visited")), self.plots)
        self.started.dateTimeChanged.connect(lambda _v: self._changed())
        self.position.textEdited.connect(self._position_edited)
        self.purpose.textChanged.connect(lambda _v: self._changed())
        self.weather.textChanged.connect(lambda _v: self._changed())
        self.plots.itemChanged.connect(lambda _item: self._changed())
        self.setTabOrder(self.started, self.position)
        self.setTabOrder(self.position, self.purpose)
        self.setTabOrder(self.purpose, self.weather)
        self.setTabOrder(self.weather, self.plots)

    def _build_participants(self) -> None:
        self.participants_tab = QWidget()
        layout = QVBoxLayout(self.participants_tab)
        self.person_choice = QComboBox()
        self.person_choice.setEditable(False)
        self.role_choice = QComboBox()
        self.add_participant_button = self._button(N_("Add"), self._add_chosen_participant)
        self.new_person_button = self._button(N_("New person…"), self._new_person)
        self.remove_participant_button = self._button(N_("Remove"), self._remove_participant)
        row = QHBoxLayout()
        row.addWidget(self.person_choice, 2)
        row.addWidget(self.role_choice, 1)
        row.addWidget(self.add_participant_button)
        row.addWidget(self.new_person_button)
        row.addStretch(0)
        row.addWidget(self.remove_participant_button)
        self.participants = QTableWidget(0, len(PARTICIPANT_COLUMNS))
        self.participants.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.participants.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.participants.horizontalHeader().setStretchLastSection(True)
        self.participants.verticalHeader().hide()
        layout.addLayout(row)
        layout.addWidget(self.participants, 1)

    def _build_observations(self) -> None:
        self.observations_tab = QWidget()
        layout = QVBoxLayout(self.observations_tab)
        row = QHBoxLayout()
        self.add_obs_button = self._button(N_("Add observation"), self.add_observation_row)
        self.remove_obs_button = self._button(N_("Remove"), self._remove_observation)
        self.obs_hint = self._label(
            N_("Enter adds a row. Values are checked against the indicator catalogue as you type.")
        )
        self.obs_hint.setWordWrap(True)
        row.addWidget(self.add_obs_button)
        row.addWidget(self.remove_obs_button)
        row.addWidget(self.obs_hint, 1)
        self.observations = QTableWidget(0, len(OBS_COLUMNS))
        self.observations.verticalHeader().hide()
        header = self.observations.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        self.observations.setColumnWidth(0, 330)
        self.observations.setColumnWidth(1, 90)
        self.observations.setColumnWidth(2, 70)
        self.observations.setColumnWidth(3, 140)
        self.observations.setColumnWidth(4, 140)
        self.observations.itemChanged.connect(self._observation_item_changed)
        self.observations.setItemDelegate(_LiveDelegate(self, self.observations))
        self.observations.installEventFilter(
            _EnterAddsRow(self.observations, self.add_observation_row)
        )
        layout.addLayout(row)
        layout.addWidget(self.observations, 1)
        self.obs_message = QLabel()
        self.obs_message.setWordWrap(True)
        layout.addWidget(self.obs_message)

    def _build_findings(self) -> None:
        self.findings_tab = QWidget()
        layout = QVBoxLayout(self.findings_tab)
        row = QHBoxLayout()
        self.add_finding_button = self._button(N_("Add finding"), self.add_finding_row)
        self.remove_finding_button = self._button(N_("Remove"), self._remove_finding)
        row.addWidget(self.add_finding_button)
        row.addWidget(self.remove_finding_button)
        row.addStretch(1)
        self.findings = QTableWidget(0, len(FINDING_COLUMNS))
        self.findings.verticalHeader().hide()
        self.findings.horizontalHeader().setStretchLastSection(True)
        self.findings.setColumnWidth(0, 150)
        self.findings.setColumnWidth(1, 320)
        self.findings.setColumnWidth(2, 110)
        self.findings.setColumnWidth(3, 120)
        self.findings.itemChanged.connect(self._finding_item_changed)
        self.findings.setItemDelegate(_LiveDelegate(self, self.findings))
        self.findings.installEventFilter(_EnterAddsRow(self.findings, self.add_finding_row))
        layout.addLayout(row)
        layout.addWidget(self.findings, 1)

    def _build_notes(self) -> None:
        self.notes_tab = QWidget()
        layout = QVBoxLayout(self.notes_tab)
        self.notes = QPlainTextEdit()
        self.notes.textChanged.connect(self._changed)
        layout.addWidget(self.notes)

    # --- extension points ------------------------------------------------------------------
    def add_tab(self, widget: QWidget, title: str) -> int:
        """Add a tab; ``title`` is English and is translated (again on a language switch)."""
        self._tab_titles.append((widget, title))
        index = self.tabs.addTab(widget, _(title))
        if self.detail is not None and hasattr(widget, "load"):
            widget.load(self.detail)
        if hasattr(widget, "set_read_only"):
            widget.set_read_only(self.read_only)
        return index

    def _run_plugins(self) -> None:
        for entry in EDITOR_PLUGINS:
            try:
                module_name, _sep, function = entry.partition(":")
                getattr(importlib.import_module(module_name), function or "install")(self)
            except Exception as exc:  # a broken plug-in must not stop the editor from opening
                log.exception("editor plug-in %s failed", entry)
                show_error(self, exc)

    def _extra_tabs(self) -> list[QWidget]:
        builtin = {
            self.general_tab,
            self.participants_tab,
            self.observations_tab,
            self.findings_tab,
            self.notes_tab,
        }
        return [w for w, _t in self._tab_titles if w not in builtin]

    def set_position(
        self, lon: float, lat: float, source: model.PositionSource = model.PositionSource.MAP
    ) -> None:
        """Set the visit's position from outside (e.g. a point picked on the map)."""
        if self.read_only:
            return
        from pemdesk.position import format_dd

        self._position = (lon, lat, source)
        self._position_error = None
        self.position.setText(format_dd(lon, lat))
        self._show_position()
        self._changed()

    def show_notice(self, message: str | PemdeskError) -> None:
        """Show a notice above the tabs: English text (translated) or an error (its sentence)."""
        if isinstance(message, PemdeskError):
            error = message
            self._notice = lambda: error.message(i18n.get_language())
        else:
            self._notice = lambda: _(message)
        self.notice.setText(self._notice())
        self.notice.show()

    # --- loading ---------------------------------------------------------------------------
    def reload(self) -> None:
        visit_id = self.visit_id
        self.ops.run(lambda store: load_editor_data(store, visit_id), self._loaded)

    def _loaded(self, data: EditorData) -> None:
        if self._closing:
            return
        self._data = data
        self.detail = data.detail
        detail = data.detail
        self._base = detail.visit
        self._people = {p.id: p for p in data.people}
        for person in (person for _p, person in detail.participants):
            self._people.setdefault(person.id, person)
        self._originals = {r.id: r for r in [*detail.observations, *detail.findings]}
        self._originals.update({p.id: p for p, _person in detail.participants})
        self.read_only = detail.visit.status == model.VisitStatus.FINISHED or data.newer is not None
        v = detail.visit
        self._position = (v.lon, v.lat, v.position_source)
        self._populate(self._raw_from_detail(detail))
        self._history = [self.collect_raw()]
        self._history_index = 0
        self._apply_read_only()
        self._fill_people_choice()
        self.retranslate()
        for widget in self._extra_tabs():
            if hasattr(widget, "load"):
                widget.load(detail)
        self.save_state.setText("")
        if not self.read_only and not self.purpose.text():
            self.purpose.setFocus()  # a new visit: start typing at once
        self.loaded.emit()

    def _raw_from_detail(self, detail: VisitDetail) -> dict[str, Any]:
        from pemdesk.position import format_dd

        catalogue = _catalogue()
        v = detail.visit
        observations = []
        for o in detail.observations:
            if o.indicator in catalogue:
                indicator = catalogue.get(o.indicator)
                value = o.value_num if o.value_num is not None else o.value_text
                if indicator.value_type == "boolean" and value is not None:
                    value = bool(value)
                if value is None:
                    shown = ""
                elif indicator.is_numeric and isinstance(value, float):
                    # every digit as stored: a rounded display would be saved back rounded
                    from pemdesk.catalogue import format_number

                    shown = format_number(value)
                else:
                    shown = indicator.format_value(value, i18n.get_language())
            else:
                shown = str(o.value_num if o.value_num is not None else o.value_text or "")
            observations.append((o.id, o.indicator, shown, o.method or o.instrument, o.comment))
        return {
            "started": v.started_at,
            "position": format_dd(v.lon, v.lat) if v.lon is not None and v.lat is not None else "",
            "purpose": v.purpose,
            "weather": v.weather,
            "notes": v.notes,
            "plots": list(v.plot_ids),
            "participants": [
                (p.id, p.person_id, str(p.role)) for p, _person in detail.participants
            ],
            "observations": observations,
            "findings": [
                (
                    f.id,
                    f.category,
                    f.description,
                    str(f.severity),
                    str(f.follow_up),
                    f.follow_up_note,
                )
                for f in detail.findings
            ],
        }

    # --- widgets <-> raw state (the editor's one source of truth, also the undo history) -----
    def collect_raw(self) -> dict[str, Any]:
        obs = []
        for r in range(self.observations.rowCount()):
            combo = self.observations.cellWidget(r, 0)
            obs.append(
                (
                    self.observations.item(r, 0).data(Qt.ItemDataRole.UserRole),
                    combo.currentData() if isinstance(combo, QComboBox) else None,
                    self._cell(self.observations, r, 1),
                    self._cell(self.observations, r, 3),
                    self._cell(self.observations, r, 4),
                )
            )
        findings = []
        for r in range(self.findings.rowCount()):
            severity = self.findings.cellWidget(r, 2)
            follow_up = self.findings.cellWidget(r, 3)
            findings.append(
                (
                    self.findings.item(r, 0).data(Qt.ItemDataRole.UserRole),
                    self._cell(self.findings, r, 0),
                    self._cell(self.findings, r, 1),
                    severity.currentData() if isinstance(severity, QComboBox) else "medium",
                    follow_up.currentData() if isinstance(follow_up, QComboBox) else "open",
                    self._cell(self.findings, r, 4),
                )
            )
        participants = []
        for r in range(self.participants.rowCount()):
            role = self.participants.cellWidget(r, 1)
            item = self.participants.item(r, 0)
            participants.append(
                (
                    item.data(Qt.ItemDataRole.UserRole),
                    item.data(Qt.ItemDataRole.UserRole + 1),
                    role.currentData() if isinstance(role, QComboBox) else "other",
                )
            )
        plots = [
            self.plots.item(i).data(Qt.ItemDataRole.UserRole)
            for i in range(self.plots.count())
            if self.plots.item(i).checkState() == Qt.CheckState.Checked
        ]
        return {
            "started": self.started.dateTime().toUTC().toString("yyyy-MM-ddTHH:mm:ss.zzzZ"),
            "position": self.position.text(),
            "purpose": self.purpose.text(),
            "weather": self.weather.text(),
            "notes": self.notes.toPlainText(),
            "plots": plots,
            "participants": participants,
            "observations": obs,
            "findings": findings,
        }

    def _cell(self, table: QTableWidget, row: int, column: int) -> str:
        typing = self._typing
        if typing is not None and typing[:3] == (table, row, column):
            return typing[3]  # still being typed: not in the item yet
        item = table.item(row, column)
        return item.text() if item is not None else ""

    def _typed(self, table: QTableWidget, row: int, column: int, text: str) -> None:
        self._typing = (table, row, column, text)
        if table is self.observations and column == 1:
            self._check_observation(row, text)
        self._changed()

    def _typing_done(self, table: QTableWidget) -> None:
        if self._typing is not None and self._typing[0] is table:
            self._typing = None
            self._changed()  # committed, or reverted with Esc: save what the cell holds now

    def _finding_item_changed(self, _item: QTableWidgetItem) -> None:
        if not self._populating:
            self._changed()

    def _populate(self, raw: dict[str, Any]) -> None:
        self._typing = None
        self._populating = True
        try:
            started = QDateTime.fromString(
                raw["started"].replace("Z", ""), "yyyy-MM-ddTHH:mm:ss.zzz"
            )
            if not started.isValid():
                started = QDateTime.fromString(raw["started"][:19], "yyyy-MM-ddTHH:mm:ss")
            started.setTimeZone(QDateTime.currentDateTimeUtc().timeZone())
            self.started.setDateTime(started.toLocalTime())
            if self.position.text() != raw["position"]:
                self.position.setText(raw["position"])
            self._show_position()
            for edit, key in ((self.purpose, "purpose"), (self.weather, "weather")):
                if edit.text() != raw[key]:
                    edit.setText(raw[key])
            if self.notes.toPlainText() != raw["notes"]:
                self.notes.setPlainText(raw["notes"])
            self.plots.clear()
            site_plots = self._data.site_plots if self._data else []
            for plot in site_plots:
                item = QListWidgetItem(f"{plot.name} — {label(plot.stage)}")
                item.setData(Qt.ItemDataRole.UserRole, plot.id)
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(
                    Qt.CheckState.Checked if plot.id in raw["plots"] else Qt.CheckState.Unchecked
                )
                self.plots.addItem(item)
            self.participants.setRowCount(0)
            for participant_id, person_id, role in raw["participants"]:
                self._append_participant(participant_id, person_id, role)
            self.observations.setRowCount(0)
            self._populating_rows = True
            for row in raw["observations"]:
                self._append_observation(*row)
            self._populating_rows = False
            self.findings.setRowCount(0)
            for row in raw["findings"]:
                self._append_finding(*row)
        finally:
            self._populating = False

    def draft_from_raw(self, raw: dict[str, Any]) -> visits.Draft:
        """The records to save; rows with no value or an invalid one are not saved (yet)."""
        assert self._base is not None
        catalogue = _catalogue()
        lon, lat, source = self._position
        visit = replace(
            self._base,
            started_at=raw["started"],
            purpose=raw["purpose"].strip(),
            weather=raw["weather"].strip(),
            notes=raw["notes"],
            plot_ids=list(raw["plots"]),
            lon=lon,
            lat=lat,
            position_source=source,
        )
        draft = visits.Draft(visit=visit)
        for participant_id, person_id, role in raw["participants"]:
            original = self._originals.get(participant_id)
            base = original if isinstance(original, model.Participant) else None
            draft.participants.append(
                replace(base, person_id=person_id, role=model.PersonRole(role))
                if base
                else model.Participant(
                    visit_id=self.visit_id,
                    person_id=person_id,
                    role=model.PersonRole(role),
                    id=participant_id,
                )
            )
        for obs_id, code, value_text, method, comment in raw["observations"]:
            if not code or not value_text.strip():
                continue
            try:
                value = catalogue.validate(code, value_text)
            except PemdeskError:
                continue
            if isinstance(value, int | float):  # bool is an int: stored as 0/1
                num, text = float(value), None
            else:
                num, text = None, str(value)
            original = self._originals.get(obs_id)
            fields = dict(
                indicator=code,
                value_num=num,
                value_text=text,
                method=method.strip(),
                comment=comment.strip(),
            )
            if isinstance(original, model.Observation):
                unit = original.unit if original.indicator == code else catalogue.get(code).unit
                draft.observations.append(replace(original, unit=unit, **fields))
            else:
                draft.observations.append(
                    model.Observation(
                        visit_id=self.visit_id,
                        unit=catalogue.get(code).unit,
                        observed_at=self._row_times.get(obs_id),
                        id=obs_id,
                        **fields,
                    )
                )
        for finding_id, category, description, severity, follow_up, note in raw["findings"]:
            if not category.strip() and not description.strip():
                continue
            original = self._originals.get(finding_id)
            fields = dict(
                category=category.strip(),
                description=description.strip(),
                severity=model.Severity(severity),
                follow_up=model.FollowUpStatus(follow_up),
                follow_up_note=note.strip(),
            )
            if isinstance(original, model.Finding):
                draft.findings.append(replace(original, **fields))
            else:
                draft.findings.append(
                    model.Finding(visit_id=self.visit_id, id=finding_id, **fields)
                )
        return draft

    # --- rows ------------------------------------------------------------------------------
    def _role_combo(self, role: str) -> QComboBox:
        combo = QComboBox()
        for r in model.PersonRole:
            combo.addItem(label(r), str(r))
        combo.setCurrentIndex(max(combo.findData(role), 0))
        combo.currentIndexChanged.connect(lambda _i: self._changed())
        return combo

    def _append_participant(self, participant_id: str, person_id: str, role: str) -> None:
        person = self._people.get(person_id)
        row = self.participants.rowCount()
        self.participants.insertRow(row)
        name = QTableWidgetItem(person.name if person else person_id)
        name.setData(Qt.ItemDataRole.UserRole, participant_id)
        name.setData(Qt.ItemDataRole.UserRole + 1, person_id)
        self.participants.setItem(row, 0, name)
        combo = self._role_combo(role)
        combo.setEnabled(not self.read_only)
        self.participants.setCellWidget(row, 1, combo)
        self.participants.setItem(row, 2, QTableWidgetItem(person.organisation if person else ""))

    def _indicator_combo(self, code: str | None) -> QComboBox:
        catalogue = _catalogue()
        combo = QComboBox()
        combo.addItem("—", None)
        lang = i18n.get_language()
        for indicator in catalogue.all():
            combo.addItem(self._indicator_text(indicator, lang), indicator.code)
        combo.setCurrentIndex(max(combo.findData(code), 0) if code else 0)
        combo.setMaxVisibleItems(20)
        # Keyboard: type any part of a name ("pm10", "тоос") and pick from the matches.
        combo.setEditable(True)
        combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        completer = combo.completer()
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        line = combo.lineEdit()
        # Text that names no indicator goes back to the chosen one when the field is left.
        line.editingFinished.connect(lambda c=combo: _show_start(c, c.itemText(c.currentIndex())))
        combo.currentIndexChanged.connect(lambda _i, c=combo: self._indicator_changed(c))
        _show_start(combo, combo.itemText(combo.currentIndex()))
        return combo

    @staticmethod
    def _indicator_text(indicator: Any, lang: str) -> str:
        group = _catalogue().group(indicator.group).name(lang)
        return f"{group}: {indicator.name(lang)}"

    def _append_observation(
        self, obs_id: str, code: str | None, value: str = "", method: str = "", comment: str = ""
    ) -> int:
        table = self.observations
        was = self._populating
        self._populating = True
        row = table.rowCount()
        table.insertRow(row)
        holder = QTableWidgetItem()
        holder.setData(Qt.ItemDataRole.UserRole, obs_id)
        table.setItem(row, 0, holder)
        combo = self._indicator_combo(code)
        combo.setEnabled(not self.read_only)
        table.setCellWidget(row, 0, combo)
        table.setItem(row, 1, QTableWidgetItem(value))
        unit = QTableWidgetItem()
        unit.setFlags(unit.flags() & ~Qt.ItemFlag.ItemIsEditable)
        table.setItem(row, 2, unit)
        table.setItem(row, 3, QTableWidgetItem(method))
        table.setItem(row, 4, QTableWidgetItem(comment))
        check = QTableWidgetItem()
        check.setFlags(check.flags() & ~Qt.ItemFlag.ItemIsEditable)
        table.setItem(row, 5, check)
        self._populating = was
        self._check_observation(row)
        return row

    def _severity_combo(self, value: str) -> QComboBox:
        combo = QComboBox()
        for s in model.Severity:
            combo.addItem(label(s), str(s))
        combo.setCurrentIndex(max(combo.findData(value), 0))
        combo.currentIndexChanged.connect(lambda _i: self._changed())
        return combo

    def _follow_up_combo(self, value: str) -> QComboBox:
        combo = QComboBox()
        for s in model.FollowUpStatus:
            combo.addItem(label(s), str(s))
        combo.setCurrentIndex(max(combo.findData(value), 0))
        combo.currentIndexChanged.connect(lambda _i: self._changed())
        return combo

    def _append_finding(
        self, finding_id: str, category: str = "", description: str = "",
        severity: str = "medium", follow_up: str = "open", note: str = "",
    ) -> int:  # fmt: skip
        table = self.findings
        was = self._populating
        self._populating = True
        row = table.rowCount()
        table.insertRow(row)
        first = QTableWidgetItem(category)
        first.setData(Qt.ItemDataRole.UserRole, finding_id)
        table.setItem(row, 0, first)
        table.setItem(row, 1, QTableWidgetItem(description))
        for column, combo in (
            (2, self._severity_combo(severity)),
            (3, self._follow_up_combo(follow_up)),
        ):
            combo.setEnabled(not self.read_only)
            table.setCellWidget(row, column, combo)
        table.setItem(row, 4, QTableWidgetItem(note))
        self._populating = was
        return row

    def add_observation_row(self, code: str | None = None, value: str = "") -> int:
        if self.read_only:
            return -1
        self._snapshot()
        obs_id = new_id()
        self._row_times[obs_id] = utc_now()  # when it was observed (recorded), kept per row
        row = self._append_observation(obs_id, code, value)
        self.tabs.setCurrentWidget(self.observations_tab)
        self.observations.setCurrentCell(row, 0)
        self.observations.cellWidget(row, 0).setFocus()
        self._changed(snapshot_now=True)
        return row

    def set_observation(self, row: int, code: str | None = None, value: str | None = None) -> None:
        """Set an observation row's indicator and/or value (as typing and choosing would)."""
        if code is not None:
            combo = self.observations.cellWidget(row, 0)
            assert isinstance(combo, QComboBox)
            combo.setCurrentIndex(combo.findData(code))
        if value is not None:
            self.observations.item(row, 1).setText(value)

    def add_finding_row(self) -> int:
        if self.read_only:
            return -1
        self._snapshot()
        row = self._append_finding(new_id())
        self.tabs.setCurrentWidget(self.findings_tab)
        self.findings.setCurrentCell(row, 0)
        self._changed(snapshot_now=True)
        return row

    def add_participant(self, person_id: str, role: str | None = None) -> None:
        if self.read_only:
            return
        person = self._people.get(person_id)
        self._snapshot()
        self._append_participant(
            new_id(), person_id, role or (str(person.role) if person else "other")
        )
        self._changed(snapshot_now=True)

    def _add_chosen_participant(self) -> None:
        person_id = self.person_choice.currentData()
        if person_id:
            self.tabs.setCurrentWidget(self.participants_tab)
            self.add_participant(person_id, self.role_choice.currentData())

    def _new_person(self) -> None:
        from pemdesk.ui.people import PersonDialog

        dialog = PersonDialog(self, self.ops, None)

        def added(person: model.Person) -> None:
            self._people[person.id] = person
            self._fill_people_choice()
            self.add_participant(person.id, str(person.role))

        dialog.saved.connect(added)
        dialog.open()

    def _fill_people_choice(self) -> None:
        current = self.person_choice.currentData()
        self.person_choice.clear()
        for person in sorted(self._people.values(), key=lambda p: p.name):
            extra = f" — {person.organisation}" if person.organisation else ""
            self.person_choice.addItem(f"{person.name}{extra}", person.id)
        if current:
            self.person_choice.setCurrentIndex(max(self.person_choice.findData(current), 0))
        role = self.role_choice.currentData()
        self.role_choice.clear()
        for r in model.PersonRole:
            self.role_choice.addItem(label(r), str(r))
        if role:
            self.role_choice.setCurrentIndex(max(self.role_choice.findData(role), 0))

    def _remove_selected(self, table: QTableWidget) -> None:
        if self.read_only:
            return
        rows = sorted(
            {i.row() for i in table.selectedIndexes()} or {table.currentRow()}, reverse=True
        )
        rows = [r for r in rows if r >= 0]
        if not rows:
            return
        self._snapshot()
        self._typing = None
        for r in rows:
            table.removeRow(r)
        self._changed(snapshot_now=True)

    def _remove_participant(self) -> None:
        self._remove_selected(self.participants)

    def _remove_observation(self) -> None:
        self._remove_selected(self.observations)

    def _remove_finding(self) -> None:
        self._remove_selected(self.findings)

    # --- checks as you type ----------------------------------------------------------------
    def _indicator_changed(self, combo: QComboBox) -> None:
        _show_start(combo, combo.itemText(combo.currentIndex()))
        for r in range(self.observations.rowCount()):
            if self.observations.cellWidget(r, 0) is combo:
                self._check_observation(r)
        self._changed()

    def _observation_item_changed(self, item: QTableWidgetItem) -> None:
        if self._populating or item.column() not in (1, 3, 4):
            return
        if item.column() == 1:
            self._check_observation(item.row())
        self._changed()

    def observation_check(self, row: int, typed: str | None = None) -> tuple[str, str]:
        """("ok" | "over" | "invalid" | "empty", message) for an observation row (or for the
        text being typed into its value cell)."""
        combo = self.observations.cellWidget(row, 0)
        code = combo.currentData() if isinstance(combo, QComboBox) else None
        value = self._cell(self.observations, row, 1) if typed is None else typed
        if not code:
            return "empty", _("Choose an indicator.") if value.strip() else ""
        catalogue = _catalogue()
        indicator = catalogue.get(code)
        if not value.strip():
            return "empty", _("Allowed: {range}").format(
                range=indicator.range_text()
            ) if indicator.is_numeric else ""
        lang = i18n.get_language()
        try:
            catalogue.validate(code, value)
            broken = catalogue.exceedances(code, value)
        except PemdeskError as exc:
            return "invalid", exc.message(lang)
        if broken:
            broken.sort(key=lambda limit: not limit.is_national)  # the national standard first
            limits = "; ".join(indicator.limit_text(limit, lang) for limit in broken)
            return "over", _("Over the limit: {limits}").format(limits=limits)
        return "ok", _("Within limits") if indicator.limits else _("OK")

    def _check_observation(self, row: int, typed: str | None = None) -> None:
        table = self.observations
        check = table.item(row, 5)
        value_item = table.item(row, 1)
        if check is None or value_item is None:
            return
        was = self._populating
        self._populating = True
        try:
            combo = table.cellWidget(row, 0)
            code = combo.currentData() if isinstance(combo, QComboBox) else None
            unit = _catalogue().get(code).unit if code else ""
            table.item(row, 2).setText("" if unit == "count" else unit)
            state, message = self.observation_check(row, typed)
            check.setText(message.split("; ")[0] + (" …" if "; " in message else ""))
            check.setToolTip(message)
            if state in ("invalid", "over") and not self._populating_rows:
                self.obs_message.setText(message)
                self.obs_message.setStyleSheet(
                    "color: #b71c1c;" if state == "invalid" else "color: #e65100;"
                )
            elif not self._populating_rows:
                self.obs_message.setText("")
            if typed is None:  # touching the cell being edited would reset its editor
                value_item.setToolTip(message)
            colour = {"ok": OK_COLOUR, "over": OVER_COLOUR, "invalid": BAD_COLOUR}.get(state)
            brush = QBrush(colour) if colour is not None else QBrush()
            check.setBackground(brush)
            if typed is None:
                value_item.setBackground(brush)
        finally:
            self._populating = was

    def _position_edited(self, text: str) -> None:
        from pemdesk.position import parse_position

        if not text.strip():
            self._position = (None, None, None)
            self._position_error = None
        else:
            try:
                lon, lat = parse_position(text)
            except InvalidInput as exc:
                self._position_error = exc.message(i18n.get_language())
            else:
                self._position = (lon, lat, model.PositionSource.TYPED)
                self._position_error = None
        self._show_position()
        self._changed()

    def _show_position(self) -> None:
        from pemdesk.position import format_dms, format_utm

        if self._position_error:
            self.position_info.setText(self._position_error)
            self.position_info.setStyleSheet("color: #b71c1c;")
            return
        self.position_info.setStyleSheet("")
        lon, lat, source = self._position
        if lon is None or lat is None:
            self.position_info.setText(
                _("Type decimal degrees (43.5123, 106.8456), DMS or UTM (48N 642002 5306933).")
            )
            return
        where = f"{format_dms(lon, lat)} · UTM {format_utm(lon, lat)}"
        self.position_info.setText(f"{where} · {label(source)}" if source else where)

    # --- change tracking, autosave, undo ---------------------------------------------------
    def _changed(self, snapshot_now: bool = False) -> None:
        if self._populating or self.read_only or self._base is None:
            return
        self._dirty = True
        self.save_state.setText(_("Unsaved changes…"))
        self._autosave_timer.start()
        if snapshot_now:
            self._snapshot()
        else:
            self._snapshot_timer.start()

    def _snapshot(self) -> None:
        self._snapshot_timer.stop()
        if self._base is None or self.read_only:
            return
        raw = self.collect_raw()
        if self._history and self._history[self._history_index] == raw:
            return
        del self._history[self._history_index + 1 :]
        self._history.append(raw)
        self._history_index = len(self._history) - 1
        self._update_undo_actions()

    def _update_undo_actions(self) -> None:
        self.action_undo.setEnabled(not self.read_only and self._history_index > 0)
        self.action_redo.setEnabled(
            not self.read_only and self._history_index < len(self._history) - 1
        )

    def undo(self) -> None:
        self._snapshot()
        if self.read_only or self._history_index <= 0:
            return
        self._history_index -= 1
        self._restore(self._history[self._history_index])

    def redo(self) -> None:
        self._snapshot()
        if self.read_only or self._history_index >= len(self._history) - 1:
            return
        self._history_index += 1
        self._restore(self._history[self._history_index])

    def _restore(self, raw: dict[str, Any]) -> None:
        from pemdesk.position import parse_position

        if raw["position"].strip():
            try:
                lon, lat = parse_position(raw["position"])
                source = self._position[2] or model.PositionSource.TYPED
                self._position, self._position_error = (lon, lat, source), None
            except InvalidInput as exc:
                self._position_error = exc.message(i18n.get_language())
        else:
            self._position, self._position_error = (None, None, None), None
        self._populate(raw)
        self._update_undo_actions()
        self._dirty = True
        self.save_state.setText(_("Unsaved changes…"))
        self._autosave_timer.start()

    def _autosave(self) -> None:
        if not self._dirty or self.read_only or self._base is None:
            return
        if self._saving:
            self._resave = True
            return
        draft = self.draft_from_raw(self.collect_raw())
        self._dirty = False
        self._saving = True
        self.save_state.setText(_("Saving…"))
        self.ops.run(
            lambda store: visits.save_draft(store, draft), self._autosaved, self._autosave_failed
        )

    def _autosaved(self, _result: Any) -> None:
        self._saving = False
        if self._closing:
            return  # the window is gone; the save itself went through
        self._last_saved = datetime.now(UTC).isoformat()
        if self._resave:
            self._resave = False
            self._autosave()
            return
        if not self._dirty and not self._closing:
            self.save_state.setText(
                _("Saved {time}").format(time=format_datetime(self._last_saved))
            )
        self.saved.emit()

    def _autosave_failed(self, exc: BaseException) -> None:
        self._saving = False
        self._dirty = True
        if self._closing:
            show_error(self.window_, exc)
            return
        if isinstance(exc, PemdeskError):
            self.save_state.setText(_("Not saved"))
            self.show_notice(exc)
        else:
            show_error(self, exc)

    def save_now(self) -> None:
        self._snapshot()
        self._autosave_timer.stop()
        self._autosave()

    @property
    def has_unsaved_changes(self) -> bool:
        return self._dirty or self._saving

    # --- finish, amend, revisions ----------------------------------------------------------
    def finish(self) -> None:
        if self.read_only or self._base is None:
            return
        self._snapshot()
        self._autosave_timer.stop()
        invalid = [
            r
            for r in range(self.observations.rowCount())
            if self.observation_check(r)[0] == "invalid"
        ]
        if invalid:
            self.tabs.setCurrentWidget(self.observations_tab)
            self.show_notice(
                _(
                    "Some observations have values that cannot be saved; correct or remove them first."
                )
            )
            return
        if self._position_error:
            self.tabs.setCurrentWidget(self.general_tab)
            self.show_notice(N_("The position cannot be read; correct it first."))
            return
        draft = self.draft_from_raw(self.collect_raw())
        self._dirty = False
        visit_id = self.visit_id

        def finish(store: Store) -> model.Visit:
            visits.save_draft(store, draft)
            return visits.finish_visit(store, visit_id)

        def failed(exc: BaseException) -> None:
            if self._closing:
                show_error(self.window_, exc)
            elif isinstance(exc, PemdeskError):
                self.show_notice(exc)
            else:
                show_error(self, exc)

        self.ops.write(finish, lambda _v: self._after_finish(), failed)

    def _after_finish(self) -> None:
        if self._closing:
            return
        self.show_notice(_("The visit is finished and locked."))
        self.reload()

    def amend(self) -> None:
        """Make a new draft revision of this finished visit and open it."""
        if self.detail is None or self.detail.visit.status != model.VisitStatus.FINISHED:
            return
        if self._data and self._data.newer is not None:
            self.window_.open_visit(self._data.newer.id)
            return
        visit_id = self.visit_id

        def opened(new: model.Visit) -> None:
            if not self._closing:
                self.reload()  # this one now shows that a newer revision exists
            self.window_.open_visit(new.id)

        self.ops.write(lambda store: visits.amend_visit(store, visit_id), opened)

    def _open_newer(self) -> None:
        if self._data and self._data.newer is not None:
            self.window_.open_visit(self._data.newer.id)

    def _open_older(self) -> None:
        if self.detail is not None and self.detail.visit.supersedes:
            self.window_.open_visit(self.detail.visit.supersedes)

    def _apply_read_only(self) -> None:
        ro = self.read_only
        for edit in (self.position, self.purpose, self.weather):
            edit.setReadOnly(ro)
        self.notes.setReadOnly(ro)
        self.started.setReadOnly(ro)
        for i in range(self.plots.count()):
            item = self.plots.item(i)
            flags = item.flags()
            item.setFlags(
                flags & ~Qt.ItemFlag.ItemIsUserCheckable
                if ro
                else flags | Qt.ItemFlag.ItemIsUserCheckable
            )
        triggers = (
            QAbstractItemView.EditTrigger.NoEditTriggers
            if ro
            else QAbstractItemView.EditTrigger.AllEditTriggers
            & ~QAbstractItemView.EditTrigger.CurrentChanged
        )
        self.observations.setEditTriggers(triggers)
        self.findings.setEditTriggers(triggers)
        for table, columns in (
            (self.observations, (0,)),
            (self.findings, (2, 3)),
            (self.participants, (1,)),
        ):
            for r in range(table.rowCount()):
                for c in columns:
                    widget = table.cellWidget(r, c)
                    if widget is not None:
                        widget.setEnabled(not ro)
        for widget in (
            self.add_participant_button, self.new_person_button, self.remove_participant_button,
            self.person_choice, self.role_choice, self.add_obs_button, self.remove_obs_button,
            self.add_finding_button, self.remove_finding_button,
        ):  # fmt: skip
            widget.setVisible(not ro)
        for action in (self.action_save, self.action_finish, self.action_add_obs,
                       self.action_add_finding, self.action_add_participant):  # fmt: skip
            action.setEnabled(not ro)
        finished = (
            self.detail is not None and self.detail.visit.status == model.VisitStatus.FINISHED
        )
        newer = self._data.newer if self._data else None
        self.action_amend.setEnabled(
            finished and (newer is None or newer.status == model.VisitStatus.DRAFT)
        )
        self.open_newer_button.setVisible(newer is not None)
        self.open_older_button.setVisible(bool(self.detail and self.detail.visit.supersedes))
        self._update_undo_actions()
        for widget in self._extra_tabs():
            if hasattr(widget, "set_read_only"):
                widget.set_read_only(ro)

    # --- language --------------------------------------------------------------------------
    def retranslate(self) -> None:
        """Retranslate in place: every value being edited stays as it is."""
        was = self._populating
        self._populating = True
        try:
            for setter, text in self._translated:
                setter(_(text))
            for widget, text in self._tab_titles:
                index = self.tabs.indexOf(widget)
                if index >= 0:
                    self.tabs.setTabText(index, _(text))
            self.observations.setHorizontalHeaderLabels([_(c) for c in OBS_COLUMNS])
            self.findings.setHorizontalHeaderLabels([_(c) for c in FINDING_COLUMNS])
            self.participants.setHorizontalHeaderLabels([_(c) for c in PARTICIPANT_COLUMNS])
            display = "yyyy.MM.dd HH:mm" if i18n.get_language() == "mn" else "yyyy-MM-dd HH:mm"
            self.started.setDisplayFormat(display)
            self.purpose.setPlaceholderText(_("e.g. regular monitoring of dust and rehabilitation"))
            self.weather.setPlaceholderText(_("e.g. sunny, wind 5 m/s, +18 °C"))
            self.notes.setPlaceholderText(_("Notes about the visit"))
            lang = i18n.get_language()
            catalogue = _catalogue()
            for r in range(self.observations.rowCount()):
                combo = self.observations.cellWidget(r, 0)
                if isinstance(combo, QComboBox):
                    for i in range(1, combo.count()):
                        combo.setItemText(
                            i, self._indicator_text(catalogue.get(combo.itemData(i)), lang)
                        )
                    _show_start(combo, combo.itemText(combo.currentIndex()))
                self._check_observation(r)
            for table, column in ((self.participants, 1), (self.findings, 2), (self.findings, 3)):
                for r in range(table.rowCount()):
                    combo = table.cellWidget(r, column)
                    if isinstance(combo, QComboBox):
                        self._relabel(combo)
            self._relabel(self.role_choice)
            for i in range(self.plots.count()):
                item = self.plots.item(i)
                plot = next(
                    (
                        p
                        for p in (self._data.site_plots if self._data else [])
                        if p.id == item.data(Qt.ItemDataRole.UserRole)
                    ),
                    None,
                )
                if plot is not None:
                    item.setText(f"{plot.name} — {label(plot.stage)}")
            if self._position_error and self.position.text().strip():
                self._position_edited_quietly()
            self._show_position()
            self._show_heading()
            if self._notice is not None:
                self.notice.setText(self._notice())
            if self.save_state.text():
                self.save_state.setText(
                    _("Saved {time}").format(time=format_datetime(self._last_saved))
                    if self._last_saved and not self._dirty
                    else _("Unsaved changes…")
                    if self._dirty
                    else ""
                )
            for widget in self._extra_tabs():
                if hasattr(widget, "retranslate"):
                    widget.retranslate()
        finally:
            self._populating = was

    def _position_edited_quietly(self) -> None:
        from pemdesk.position import parse_position

        try:
            parse_position(self.position.text())
        except InvalidInput as exc:
            self._position_error = exc.message(i18n.get_language())

    @staticmethod
    def _relabel(combo: QComboBox) -> None:
        for i in range(combo.count()):
            data = combo.itemData(i)
            for enum in (model.PersonRole, model.Severity, model.FollowUpStatus):
                try:
                    combo.setItemText(i, label(enum(data)))
                    break
                except ValueError:
                    continue

    def _show_heading(self) -> None:
        if self.detail is None:
            self.setWindowTitle(_("Visit"))
            return
        lang = i18n.get_language()
        v, site = self.detail.visit, self.detail.site
        status = label(v.status)
        self.setWindowTitle(f"{site.name(lang)} — {format_datetime(v.started_at)} — {status}")
        self.site_label.setText(
            f"{site.name(lang)} ({label(site.kind)}{', ' + site.licence_no if site.licence_no else ''})"
        )
        revision = _("revision {n}").format(n=v.revision)
        self.heading.setText(
            f"<h3>{site.name(lang)}</h3>{format_datetime(v.started_at)} · {status} · {revision}"
        )
        newer = self._data.newer if self._data else None
        parts = []
        if v.status == model.VisitStatus.FINISHED:
            parts.append(
                _("Finished on {date} and locked: changes are made as a new revision.").format(
                    date=format_datetime(v.finished_at)
                )
            )
            if v.seal_digest:
                parts.append(_("Seal: {digest}").format(digest=v.seal_digest[:16] + "…"))
        if newer is not None:
            parts.append(
                _("A newer revision ({n}, {status}) replaces this one.").format(
                    n=newer.revision, status=label(newer.status)
                )
            )
        if v.supersedes:
            parts.append(_("This revision amends revision {n}.").format(n=v.revision - 1))
        self.banner.setText(" ".join(parts))
        self.banner.setVisible(bool(parts))

    # --- closing ---------------------------------------------------------------------------
    def closeEvent(self, event: Any) -> None:  # noqa: N802 - Qt's name
        self._closing = True
        self._snapshot_timer.stop()
        self._autosave_timer.stop()
        if self._dirty and not self.read_only and self._base is not None:
            draft = self.draft_from_raw(self.collect_raw())
            self._dirty = False
            self.ops.write(lambda store: visits.save_draft(store, draft))
        else:
            self.ops.changed.emit()
        entry = _entry(self.data_dir, self.visit_id)
        _set_session_entries([e for e in _session_entries() if e != entry])
        self.closed.emit()
        super().closeEvent(event)
