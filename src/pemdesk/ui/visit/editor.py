"""The visit editor window: one per visit, a tab per page (see the package docstring). Every
change is saved within about a second (autosave through ``ops``); a visit is sealed only from its
Review page; a finished visit opens read-only and can be amended as a new revision.

How to plug in (photos, map, ...):

* Add ``"pemdesk.ui.yourmodule:install"`` to ``EDITOR_PLUGINS``; ``install(editor)`` is called for
  every editor once it is built, e.g. ``editor.add_tab(PhotosTab(editor), "Photos")``.
* A tab widget may define any of ``load(detail: VisitDetail)`` (called whenever the visit is (re)
  loaded), ``set_read_only(bool)`` and ``retranslate()``; the editor calls them when present.
* Useful attributes: ``editor.visit_id``, ``editor.ops`` (the database worker), ``editor.window_``
  (the main window), ``editor.read_only``, ``editor.detail`` (the last loaded VisitDetail);
  ``editor.set_position(lon, lat, source)`` sets the visit's position (e.g. picked on a map);
  ``editor.reload()`` re-reads the visit after your tab wrote to the store; signal ``loaded``.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QPushButton,
    QTableWidget,
    QTabWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from pemdesk import i18n, model, visits
from pemdesk.errors import PemdeskError
from pemdesk.i18n import _, format_datetime, tr
from pemdesk.labels import N_, label
from pemdesk.review import ReviewItem
from pemdesk.storage import Store, VisitDetail
from pemdesk.ui.errors import show_error
from pemdesk.ui.session import _entry, _session_entries, _set_session_entries
from pemdesk.ui.visit.common import EditorData, Raw, VisitPage, catalogue, load_editor_data
from pemdesk.ui.visit.findings import FindingsPage
from pemdesk.ui.visit.general import GeneralPage
from pemdesk.ui.visit.notes import NotesPage
from pemdesk.ui.visit.observations import ObservationsPage
from pemdesk.ui.visit.participants import ParticipantsPage
from pemdesk.ui.visit.review import ReviewPage

log = logging.getLogger(__name__)

# "module:function" entries called with every editor once it is built (see the docstring).
EDITOR_PLUGINS: list[str] = ["pemdesk.ui.visit.photos:install", "pemdesk.ui.visit.map:install",
                             "pemdesk.ui.cases.editor:install",
                             "pemdesk.ui.readings.visit_tab:install"]

AUTOSAVE_MS = 600  # a change is in the store within about a second
SNAPSHOT_MS = 350  # typing is grouped into one undo step after this pause
DEFAULT_SIZE = (1000, 680)


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
        self.data: EditorData | None = None
        self.read_only = True
        self.populating = False
        self.people: dict[str, model.Person] = {}
        self.originals: dict[str, Any] = {}  # child records as loaded, by id
        self.photos_tab: QWidget | None = None
        self._base: model.Visit | None = None  # the visit as loaded; the rest comes from it
        self._typing: tuple[QTableWidget, int, int, str] | None = None
        self._dirty = False
        self._saving = False
        self._resave = False
        self._closing = False
        self._last_saved: str | None = None
        self._history: list[Raw] = []
        self._history_index = -1
        self._translated: list[tuple[Callable[[str], None], str]] = []
        self._tab_titles: list[tuple[QWidget, str]] = []
        self._notice: Callable[[], str] | None = None

        self._autosave_timer = QTimer(self, singleShot=True, interval=AUTOSAVE_MS)
        self._autosave_timer.timeout.connect(self._autosave)
        self._snapshot_timer = QTimer(self, singleShot=True, interval=SNAPSHOT_MS)
        self._snapshot_timer.timeout.connect(self.snapshot)

        self._build()
        self.retranslate()
        self._fit_on_screen()
        self._run_plugins()
        self.tabs.addTab(self.review_page, "")  # the review comes last, after the plug-ins
        self._tab_titles.append((self.review_page, N_("Review and seal")))
        self.retranslate()
        entries = _session_entries()
        entry = _entry(self.data_dir, visit_id)
        if entry not in entries:
            _set_session_entries([*entries, entry])
        self.reload()

    # --- building ------------------------------------------------------------------------------
    def translate_later(self, setter: Callable[[str], None], text: str) -> None:
        """``setter(_(text))`` now and again on every language switch."""
        self._translated.append((setter, text))

    def _button(self, text: str, slot: Callable[[], Any]) -> QPushButton:
        button = QPushButton()
        button.clicked.connect(lambda _checked=False: slot())
        self.translate_later(button.setText, text)
        return button

    def _action(self, text: str, slot: Callable[[], Any], shortcut: Any = None) -> QAction:
        action = QAction(self)
        action.triggered.connect(lambda _checked=False: slot())
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        self.translate_later(action.setText, text)
        return action

    def _fit_on_screen(self) -> None:
        """The default size, shrunk to the screen and placed fully on it."""
        width, height = DEFAULT_SIZE
        screen = self.screen() or QGuiApplication.primaryScreen()
        if screen is None:
            self.resize(width, height)
            return
        area = screen.availableGeometry()
        width, height = min(width, area.width() - 40), min(height, area.height() - 80)
        self.resize(width, height)
        self.move(
            area.x() + max(0, (area.width() - width) // 2),
            area.y() + max(0, (area.height() - height) // 2),
        )

    def _build(self) -> None:
        self.action_save = self._action(
            N_("Save now"), self.save_now, QKeySequence.StandardKey.Save
        )
        self.action_finish = self._action(N_("Review and seal…"), self.finish)
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
            N_("Add participant"), lambda: self.participants_page.add_chosen(), "Ctrl+Shift+P"
        )
        for action in (self.action_undo, self.action_redo):
            # text fields keep their own Ctrl+Z; these work everywhere else in the editor
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.menu_visit = self.menuBar().addMenu("")
        self.translate_later(self.menu_visit.setTitle, N_("&Visit"))
        for entry in (self.action_save, self.action_finish, self.action_amend, None,
                      self.action_close):  # fmt: skip
            if entry is None:
                self.menu_visit.addSeparator()
            else:
                self.menu_visit.addAction(entry)
        self.menu_edit = self.menuBar().addMenu("")
        self.translate_later(self.menu_edit.setTitle, N_("&Edit"))
        for entry in (
            self.action_undo, self.action_redo, None,
            self.action_add_participant, self.action_add_obs, self.action_add_finding,
        ):  # fmt: skip
            if entry is None:
                self.menu_edit.addSeparator()
            else:
                self.menu_edit.addAction(entry)
        self.toolbar = QToolBar()
        self.toolbar.setObjectName("visit-toolbar")
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.addToolBar(self.toolbar)
        for action in (self.action_save, self.action_undo, self.action_redo,
                       self.action_finish, self.action_amend):  # fmt: skip
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

        self.general_page = GeneralPage(self)
        self.participants_page = ParticipantsPage(self)
        self.observations_page = ObservationsPage(self)
        self.findings_page = FindingsPage(self)
        self.notes_page = NotesPage(self)
        self.review_page = ReviewPage(self)
        self.pages: list[VisitPage] = [
            self.general_page,
            self.participants_page,
            self.observations_page,
            self.findings_page,
            self.notes_page,
        ]
        for page, title in zip(
            self.pages,
            (N_("General"), N_("Participants"), N_("Observations"), N_("Findings"), N_("Notes")),
            strict=True,
        ):
            self.add_tab(page, title)
        # the widgets tests and plug-ins reach for most often
        g = self.general_page
        self.position, self.purpose, self.weather = g.position, g.purpose, g.weather
        self.participants = self.participants_page.table
        self.observations = self.observations_page.table
        self.observations_tab = self.observations_page
        self.obs_message = self.observations_page.message
        self.add_obs_button = self.observations_page.add_button
        self.findings = self.findings_page.table
        self.notes = self.notes_page.notes

    # --- extension points ------------------------------------------------------------------
    def add_tab(self, widget: QWidget, title: str) -> int:
        """Add a tab; ``title`` is English and is translated (again on a language switch).
        Plug-in tabs go before the Review page."""
        self._tab_titles.append((widget, title))
        review = self.tabs.indexOf(self.review_page) if hasattr(self, "review_page") else -1
        index = (
            self.tabs.insertTab(review, widget, _(title))
            if review >= 0
            else self.tabs.addTab(widget, _(title))
        )
        load = getattr(widget, "load", None)
        if self.detail is not None and load is not None:
            load(self.detail)
        set_read_only = getattr(widget, "set_read_only", None)
        if set_read_only is not None:
            set_read_only(self.read_only)
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
        builtin = {*self.pages, self.review_page}
        return [w for w, _t in self._tab_titles if w not in builtin]

    def page(self, key: str) -> QWidget | None:
        """A page by its key ("general", ..., "photos", "review")."""
        if key == "photos":
            return self.photos_tab
        if key == "review":
            return self.review_page
        return next((p for p in self.pages if p.key == key), None)

    def set_position(
        self, lon: float, lat: float, source: model.PositionSource = model.PositionSource.MAP
    ) -> None:
        """Set the visit's position from outside (e.g. a point picked on the map)."""
        if self.read_only:
            return
        self.general_page.set_position(lon, lat, source)
        self.changed()

    @property
    def _position(self) -> tuple[float | None, float | None, model.PositionSource | None]:
        """The visit's position as (lon, lat, source) (kept for the map's tests)."""
        return self.general_page.position_value

    def show_notice(self, message: str | PemdeskError) -> None:
        """Show a notice above the tabs: English text (translated) or an error (its sentence)."""
        if isinstance(message, PemdeskError):
            error = message
            self._notice = lambda: error.message(i18n.get_language())
        else:
            text = message
            self._notice = lambda: _(text)
        self.notice.setText(self._notice())
        self.notice.show()

    # --- loading ---------------------------------------------------------------------------
    def reload(self) -> None:
        visit_id = self.visit_id
        self.ops.run(lambda store: load_editor_data(store, visit_id), self._loaded)

    def _loaded(self, data: EditorData) -> None:
        if self._closing:
            return
        self.data = data
        self.detail = detail = data.detail
        self._base = detail.visit
        self.people = {p.id: p for p in data.people}
        for person in (person for _p, person in detail.participants):
            self.people.setdefault(person.id, person)
        self.originals = {o.id: o for o in detail.observations}
        self.originals.update({f.id: f for f in detail.findings})
        self.originals.update({p.id: p for p, _person in detail.participants})
        self.read_only = detail.visit.status == model.VisitStatus.FINISHED or data.newer is not None
        v = detail.visit
        self.general_page.position_value = (v.lon, v.lat, v.position_source)
        self.general_page.position_error = None
        self._populate(self._raw_from_detail(detail))
        self._history = [self.collect_raw()]
        self._history_index = 0
        self._apply_read_only()
        self.participants_page.fill_choice()
        self.retranslate()
        for widget in self._extra_tabs():
            load = getattr(widget, "load", None)
            if load is not None:
                load(detail)
        self.review_page.load(detail)
        self.save_state.setText("")
        if not self.read_only and not self.purpose.text():
            self.purpose.setFocus()  # a new visit: start typing at once
        self.loaded.emit()

    def _raw_from_detail(self, detail: VisitDetail) -> Raw:
        from pemdesk.catalogue import format_number
        from pemdesk.position import format_dd

        cat = catalogue()
        v = detail.visit
        observations = []
        for o in detail.observations:
            value: Any = o.value_num if o.value_num is not None else o.value_text
            if o.indicator in cat:
                indicator = cat.get(o.indicator)
                if indicator.value_type == "boolean" and value is not None:
                    value = bool(value)
                if value is None:
                    shown = ""
                elif indicator.is_numeric and isinstance(value, float):
                    shown = format_number(value)  # every digit as stored, never rounded
                else:
                    shown = indicator.format_value(value, i18n.get_language())
            else:
                shown = str(value if value is not None else "")
            observations.append((o.id, o.indicator, shown, o.method or o.instrument, o.comment))
        return {
            "started": v.started_at,
            "ended": None if v.status == model.VisitStatus.DRAFT and not v.ended_at else v.ended_at,
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
            ],  # fmt: skip
        }

    # --- widgets <-> raw state (the editor's one source of truth, also the undo history) -----
    def collect_raw(self) -> Raw:
        raw: Raw = {}
        for page in self.pages:
            page.collect(raw)
        return raw

    def _populate(self, raw: Raw) -> None:
        self._typing = None
        self.populating = True
        try:
            for page in self.pages:
                page.populate(raw)
        finally:
            self.populating = False

    def draft_from_raw(self, raw: Raw) -> visits.Draft:
        """The records to save; rows with no value or an invalid one are not saved (yet)."""
        assert self._base is not None
        draft = visits.Draft(visit=self._base)
        for page in self.pages:
            page.to_draft(raw, draft)
        return draft

    def cell(self, table: QTableWidget, row: int, column: int) -> str:
        """A cell's text, including what is still being typed into it."""
        typing = self._typing
        if typing is not None and typing[:3] == (table, row, column):
            return typing[3]
        item = table.item(row, column)
        return item.text() if item is not None else ""

    def typed(self, table: QTableWidget, row: int, column: int, text: str) -> None:
        self._typing = (table, row, column, text)
        if table is self.observations and column == 1:
            self.observations_page.check(row, text)
        self.changed()

    def typing_done(self, table: QTableWidget) -> None:
        if self._typing is not None and self._typing[0] is table:
            self._typing = None
            self.changed()  # committed, or reverted with Esc: save what the cell holds now

    # --- rows (kept here for plug-ins and tests; the pages do the work) -----------------------
    def add_observation_row(self, code: str | None = None, value: str = "") -> int:
        return self.observations_page.add_row(code, value)

    def set_observation(self, row: int, code: str | None = None, value: str | None = None) -> None:
        self.observations_page.set_row(row, code, value)

    def observation_check(self, row: int, typed: str | None = None) -> tuple[str, str]:
        return self.observations_page.state(row, typed)

    def add_finding_row(self, category: str = "", description: str = "") -> int:
        return self.findings_page.add_row(category, description)

    def add_participant(self, person_id: str, role: str | None = None) -> None:
        self.participants_page.add(person_id, role)

    def remove_rows(self, table: QTableWidget) -> None:
        """Remove the selected rows (or the current one) of a page's table."""
        if self.read_only:
            return
        rows = sorted(
            {i.row() for i in table.selectedIndexes()} or {table.currentRow()}, reverse=True
        )
        rows = [r for r in rows if r >= 0]
        if not rows:
            return
        self.snapshot()
        self._typing = None
        for r in rows:
            table.removeRow(r)
        self.changed(snapshot_now=True)

    # --- change tracking, autosave, undo ---------------------------------------------------
    def changed(self, snapshot_now: bool = False) -> None:
        if self.populating or self.read_only or self._base is None:
            return
        self._dirty = True
        self.save_state.setText(_("Unsaved changes…"))
        self._autosave_timer.start()
        if snapshot_now:
            self.snapshot()
        else:
            self._snapshot_timer.start()

    def snapshot(self) -> None:
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
        self.snapshot()
        if self.read_only or self._history_index <= 0:
            return
        self._history_index -= 1
        self._restore(self._history[self._history_index])

    def redo(self) -> None:
        self.snapshot()
        if self.read_only or self._history_index >= len(self._history) - 1:
            return
        self._history_index += 1
        self._restore(self._history[self._history_index])

    def _restore(self, raw: Raw) -> None:
        self.general_page.restore_position(raw["position"])
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
        if not self._dirty:
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

    def save_now(self, then: Callable[[], None] | None = None) -> None:
        """Save what is on the pages now (``then`` runs once it is in the store)."""
        self.snapshot()
        self._autosave_timer.stop()
        if self.read_only or self._base is None:
            if then is not None:
                then()
            return
        draft = self.draft_from_raw(self.collect_raw())
        self._dirty = False
        self.save_state.setText(_("Saving…"))

        def done(result: Any) -> None:
            self._autosaved(result)
            if then is not None and not self._closing:
                then()

        self.ops.run(lambda store: visits.save_draft(store, draft), done, self._autosave_failed)

    @property
    def has_unsaved_changes(self) -> bool:
        return self._dirty or self._saving

    # --- review, seal, amend, revisions ----------------------------------------------------
    def local_problems(self) -> list[ReviewItem]:
        """What is wrong on the pages and therefore not saved yet (it blocks sealing)."""
        problems = []
        if self.observations_page.invalid_rows():
            text = N_(
                "Some observations have values that cannot be saved; correct or remove them first."
            )
            problems.append(ReviewItem(tr(text, "mn"), text, "block", page="observations"))
        if self.general_page.position_error:
            text = N_("The position cannot be read; correct it first.")
            problems.append(ReviewItem(tr(text, "mn"), text, "block", page="general"))
        for error in self.general_page.check_dates():
            problems.append(ReviewItem(error.mn, error.en, "block", page="general"))
        return problems

    def finish(self) -> None:
        """Open the Review page: sealing happens there, after a look at everything."""
        if self.read_only or self._base is None:
            return
        self.tabs.setCurrentWidget(self.review_page)
        self.review_page.refresh()

    def seal(self) -> None:
        """Save and seal (called by the Review page once the committee has confirmed)."""
        if self.read_only or self._base is None:
            return
        self.snapshot()
        self._autosave_timer.stop()
        local = self.local_problems()
        if local:
            target = self.page(local[0].page or "general")
            if target is not None:
                self.tabs.setCurrentWidget(target)
            self.show_notice(PemdeskError(local[0].mn, local[0].en))
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
                self.review_page.refresh()
            else:
                show_error(self, exc)

        self.ops.write(finish, lambda _v: self._after_finish(), failed)

    def _after_finish(self) -> None:
        if self._closing:
            return
        self.show_notice(N_("The visit is sealed and locked. An amendment makes a new revision."))
        self.reload()

    def amend(self) -> None:
        """Make a new draft revision of this finished visit and open it."""
        if self.detail is None or self.detail.visit.status != model.VisitStatus.FINISHED:
            return
        if self.data and self.data.newer is not None:
            self.window_.open_visit(self.data.newer.id)
            return
        visit_id = self.visit_id

        def opened(new: model.Visit) -> None:
            if not self._closing:
                self.reload()  # this one now shows that a newer revision exists
            self.window_.open_visit(new.id)

        self.ops.write(lambda store: visits.amend_visit(store, visit_id), opened)

    def _open_newer(self) -> None:
        if self.data and self.data.newer is not None:
            self.window_.open_visit(self.data.newer.id)

    def _open_older(self) -> None:
        if self.detail is not None and self.detail.visit.supersedes:
            self.window_.open_visit(self.detail.visit.supersedes)

    def _apply_read_only(self) -> None:
        ro = self.read_only
        for page in self.pages:
            page.apply_read_only(ro)
        for action in (self.action_save, self.action_finish, self.action_add_obs,
                       self.action_add_finding, self.action_add_participant):  # fmt: skip
            action.setEnabled(not ro)
        finished = (
            self.detail is not None and self.detail.visit.status == model.VisitStatus.FINISHED
        )
        newer = self.data.newer if self.data else None
        self.action_amend.setEnabled(
            finished and (newer is None or newer.status == model.VisitStatus.DRAFT)
        )
        self.open_newer_button.setVisible(newer is not None)
        self.open_older_button.setVisible(bool(self.detail and self.detail.visit.supersedes))
        self._update_undo_actions()
        self.review_page.set_read_only(ro)
        for widget in self._extra_tabs():
            set_read_only = getattr(widget, "set_read_only", None)
            if set_read_only is not None:
                set_read_only(ro)

    # --- language --------------------------------------------------------------------------
    def retranslate(self) -> None:
        """Retranslate in place: every value being edited stays as it is."""
        was = self.populating
        self.populating = True
        try:
            for setter, text in self._translated:
                setter(_(text))
            for widget, text in self._tab_titles:
                index = self.tabs.indexOf(widget)
                if index >= 0:
                    self.tabs.setTabText(index, _(text))
            for page in self.pages:
                page.retranslate()
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
            self.review_page.retranslate()
            for widget in self._extra_tabs():
                retranslate = getattr(widget, "retranslate", None)
                if retranslate is not None:
                    retranslate()
        finally:
            self.populating = was

    def _show_heading(self) -> None:
        if self.detail is None:
            self.setWindowTitle(_("Visit"))
            return
        lang = i18n.get_language()
        v, site = self.detail.visit, self.detail.site
        status = label(v.status)
        self.setWindowTitle(f"{site.name(lang)} — {format_datetime(v.started_at)} — {status}")
        licence = ", " + site.licence_no if site.licence_no else ""
        self.general_page.site_label.setText(f"{site.name(lang)} ({label(site.kind)}{licence})")
        revision = _("revision {n}").format(n=v.revision)
        self.heading.setText(
            f"<h3>{site.name(lang)}</h3>{format_datetime(v.started_at)} · {status} · {revision}"
        )
        newer = self.data.newer if self.data else None
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
    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        self._closing = True
        self._snapshot_timer.stop()
        self._autosave_timer.stop()
        if self._dirty and not self.read_only and self._base is not None:
            draft = self.draft_from_raw(self.collect_raw())
            self._dirty = False
            self.ops.write(lambda store: visits.save_draft(store, draft))
            # closing saves: say so on the main window (nothing is lost, nothing asked)
            status = getattr(self.window_, "statusBar", None)
            if status is not None:
                status().showMessage(_("Your changes to the visit were saved."), 8000)
        else:
            self.ops.changed.emit()
        entry = _entry(self.data_dir, self.visit_id)
        _set_session_entries([e for e in _session_entries() if e != entry])
        self.closed.emit()
        super().closeEvent(event)
