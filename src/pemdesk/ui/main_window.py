"""The main window: the site browser on the left, tabs on the right ("Visits", later "Map", ...).

How to plug in (other areas of the program; one-line edits, no need to touch this file's logic):

* **Your own code at start-up**: add ``"pemdesk.ui.yourmodule:install"`` to ``PLUGINS`` below.
  ``install(window)`` runs once the window is built; a failing plug-in is logged and shown, and the
  window still opens.
* **A tab**: ``window.add_tab(widget, "Map")`` (English title; it is translated and retranslated).
* **A menu action**: ``window.add_action(window.menu_reports, "Print visit report", slot,
  shortcut="Ctrl+P")`` returns the ``QAction``; its text is retranslated on a language switch.
  Menus: ``menu_file``, ``menu_visit``, ``menu_reports``, ``menu_sync``, ``menu_tools``,
  ``menu_view``, ``menu_help``; the tool bar is ``window.toolbar``.
* **Selection**: ``current_site_id()``, ``current_visit_id()``; signals ``site_selected(str)``,
  ``visit_opened(str)`` (an editor was opened on that visit), ``language_changed(str)``.
  ``select_site(id)`` and ``open_visit(id)`` drive the window from outside (e.g. the map).
* **Database work**: ``window.ops.run(fn_of_store, on_success)`` / ``window.ops.write(...)`` —
  never touch the store on the GUI thread. After any write ``ops.changed`` fires and views refresh.
* **Status bar**: ``window.status_sync`` (a QLabel owned by the sync area; it shows the last sync
  time from the store's ``sync_meta`` key ``last_sync_at`` until sync replaces it),
  ``window.status_pending`` and ``window.status_dir``.
* **Long work**: ``window.run_with_progress(fn_of_store_and_progress, label, on_success)`` shows a
  progress dialog with a working Cancel (the core polls ``progress.check()``).
"""

from __future__ import annotations

import importlib
import logging
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QDate, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QActionGroup, QKeySequence, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QProgressDialog,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QToolBar,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from pemdesk import i18n, model
from pemdesk.i18n import _, format_datetime
from pemdesk.labels import N_, label
from pemdesk.minerals import mineral_text
from pemdesk.ui.errors import show_error
from pemdesk.ui.ops import Operations
from pemdesk.ui.visits_model import VisitsModel

if TYPE_CHECKING:  # imported on the database thread, so start-up does not wait for sqlite-utils
    from pemdesk.storage import Store, VisitFilter

log = logging.getLogger(__name__)

SITE_ID_ROLE = Qt.ItemDataRole.UserRole + 1
KIND_ROLE = Qt.ItemDataRole.UserRole + 2  # "aimag", "soum", "site", "plot"

DRAFT_RECOVERED = N_(
    "The program stopped while this visit was open. Your draft was kept; check it and go on."
)

# "module:function" entries called with the window once it is built (see the module docstring).
NO_SITES_YET = N_(
    "There are no sites yet. Start with File → New site…, or look around in the demo data "
    "(File → Open the demo data)."
)

PLUGINS: list[str] = [
    "pemdesk.ui.sync:install",
    "pemdesk.ui.map.install:install",
    "pemdesk.ui.reports:install",
    "pemdesk.ui.readings:install",
    "pemdesk.ui.about:install",
    "pemdesk.ui.photos.window:install",
    "pemdesk.ui.cases:install",
    "pemdesk.ui.rehab:install",
    "pemdesk.ui.export_tables:install",
]


@dataclass
class SiteRow:
    site: model.Site
    aimag: tuple[str, str, str]  # code, name_mn, name_en
    soum: tuple[str, str, str]
    visits: int
    plots: list[model.Plot]


@dataclass
class Overview:
    rows: list[SiteRow]
    pending: int
    last_sync: str | None


def _open_store(data_dir: Path) -> Store:
    from pemdesk.storage import Store

    return Store.open(data_dir)


@cache
def place_names() -> tuple[dict[str, tuple[str, str, str]], dict[str, tuple[str, str, str, str]]]:
    """Aimag and soum names from the small CSV tables shipped with the boundaries (the GeoJSON
    the gazetteer reads is 0.7 MB of geometry, not needed to list sites at start-up)."""
    import csv

    from pemdesk.resources import resource_path

    with open(resource_path("boundaries", "aimags.csv"), encoding="utf-8", newline="") as f:
        aimags = {r["code"]: (r["code"], r["name_mn"], r["name_en"]) for r in csv.DictReader(f)}
    with open(resource_path("boundaries", "soums.csv"), encoding="utf-8", newline="") as f:
        soums = {
            r["shapeID"]: (r["shapeID"], r["aimag_code"], r["name_mn"], r["name_en"])
            for r in csv.DictReader(f)
        }
    return aimags, soums


def load_site_rows(store: Store, with_counts: bool = True) -> list[SiteRow]:
    """Runs on the database thread: sites with their place names, plots and visit counts
    (-1 when not counted: the first start-up read leaves the count of 100,000 visits for later)."""
    try:
        aimags, soums = place_names()
    except (OSError, KeyError):
        aimags, soums = {}, {}
    counts = store.visit_counts_by_site() if with_counts else {}
    plots: dict[str, list[model.Plot]] = {}
    for plot in store.list_plots():
        plots.setdefault(plot.site_id, []).append(plot)
    rows = []
    for site in store.list_sites():
        soum = soums.get(site.soum_code)
        aimag = aimags.get(soum[1]) if soum else None
        if soum is None or aimag is None:  # not in the tables: ask the gazetteer itself
            from pemdesk.gazetteer import Gazetteer

            g_soum = Gazetteer.load().soum(site.soum_code)
            g_aimag = Gazetteer.load().aimag(g_soum.aimag_code)
            soum = (g_soum.code, g_soum.aimag_code, g_soum.name_mn, g_soum.name_en)
            aimag = (g_aimag.code, g_aimag.name_mn, g_aimag.name_en)
        rows.append(
            SiteRow(
                site,
                aimag,
                (soum[0], soum[2], soum[3]),
                counts.get(site.id, 0) if with_counts else -1,
                plots.get(site.id, []),
            )
        )
    return rows


def load_overview(store: Store, with_counts: bool = True) -> Overview:
    return Overview(
        load_site_rows(store, with_counts), store.pending_records(), store.meta("last_sync_at")
    )


PLUGINS_AFTER_FIRST_FRAME_MS = 50


class MainWindow(QMainWindow):
    site_selected = Signal(str)
    visit_opened = Signal(str)
    language_changed = Signal(str)
    plugins_installed = Signal()

    def __init__(self, data_dir: Path, demo: bool = False, *, plugins_later: bool = False) -> None:
        """``plugins_later``: import and prepare the plug-ins off the GUI thread and install them
        once ready (the program does this, so the window answers first; ``plugins_installed``
        is emitted then). Without it they are installed before the constructor returns."""
        super().__init__()
        self.data_dir = data_dir
        self.demo = demo
        self.ops = Operations(lambda: _open_store(data_dir), parent=self)
        self.ops.default_failure = lambda exc: show_error(self, exc)
        self.ops.changed.connect(self.refresh)
        # The database thread starts now (importing the store, reading the overview) while the
        # widgets and plug-ins are built; the answer arrives once the event loop runs.
        self._first_load()
        self._site_rows: list[SiteRow] = []
        self._selected_site: str | None = None
        self._translated: list[tuple[Callable[[str], None], str]] = []
        self._tab_titles: list[tuple[QWidget, str]] = []
        self.editors: dict[str, Any] = {}  # visit id -> open VisitEditor
        self.loaded = False  # True once the first overview has arrived (benchmarks wait for it)

        # --- left: site browser -------------------------------------------------------------
        self.search = QLineEdit()
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(lambda _t: self._fill_tree())
        self.stage_filter = QComboBox()
        self.stage_filter.currentIndexChanged.connect(lambda _i: self._fill_tree())
        self.tree_model = QStandardItemModel(self)
        self.tree = QTreeView()
        self.tree.setModel(self.tree_model)
        self.tree.setHeaderHidden(True)
        self.tree.selectionModel().currentChanged.connect(self._on_tree_current)
        self.tree.doubleClicked.connect(self._on_tree_double_clicked)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(4, 4, 4, 4)
        left_layout.addWidget(self.search)
        left_layout.addWidget(self.stage_filter)
        left_layout.addWidget(self.tree, 1)

        # --- right: tabs; the first is the visits of the selected site ------------------------
        self.site_header = QLabel()
        self.site_header.setTextFormat(Qt.TextFormat.RichText)
        self.site_header.setWordWrap(True)
        self.status_filter = QComboBox()
        self.date_from = QDateEdit()
        self.date_to = QDateEdit()
        for edit in (self.date_from, self.date_to):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy.MM.dd")
            edit.setSpecialValueText(" ")
            edit.setMinimumDate(QDate(2000, 1, 1))
            edit.setDate(edit.minimumDate())  # the minimum shows as blank: no limit
        self.date_from_label = QLabel()
        self.date_to_label = QLabel()
        self.show_revisions = QCheckBox()
        self.new_visit_button = QPushButton()
        self.new_visit_button.clicked.connect(self.new_visit)
        filters = QHBoxLayout()
        filters.addWidget(self.status_filter)
        filters.addWidget(self.date_from_label)
        filters.addWidget(self.date_from)
        filters.addWidget(self.date_to_label)
        filters.addWidget(self.date_to)
        filters.addWidget(self.show_revisions)
        filters.addStretch(1)
        filters.addWidget(self.new_visit_button)
        self.status_filter.currentIndexChanged.connect(lambda _i: self._apply_visit_filter())
        self.date_from.dateChanged.connect(lambda _d: self._apply_visit_filter())
        self.date_to.dateChanged.connect(lambda _d: self._apply_visit_filter())
        self.show_revisions.toggled.connect(lambda _c: self._apply_visit_filter())

        self.visits_model = VisitsModel(self.ops)
        self.visits = QTableView()
        self.visits.setModel(self.visits_model)
        self.visits.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.visits.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        header = self.visits.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setDefaultSectionSize(150)
        header.setStretchLastSection(True)
        self.visits.verticalHeader().hide()
        self.visits.doubleClicked.connect(
            lambda index: self.open_visit(self.visits_model.visit(index.row()).id)
        )

        visits_page = QWidget()
        layout = QVBoxLayout(visits_page)
        layout.addWidget(self.site_header)
        layout.addLayout(filters)
        layout.addWidget(self.visits, 1)
        self.tabs = QTabWidget()
        self.add_tab(visits_page, N_("Visits"))

        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(self.tabs)
        splitter.setStretchFactor(1, 3)
        splitter.setSizes([330, 770])
        self.setCentralWidget(splitter)

        # --- status bar ------------------------------------------------------------------------
        self.status_dir = QLabel()
        self.status_sync = QLabel()
        self.status_pending = QLabel()
        self.statusBar().addWidget(self.status_dir, 1)
        self.statusBar().addPermanentWidget(self.status_sync)
        self.statusBar().addPermanentWidget(self.status_pending)
        self._last_sync: str | None = None
        self._pending = 0

        self._build_menus()
        self.resize(1180, 760)
        self.retranslate()
        self.plugins_ready = False
        self.plugin_failures: list[str] = []  # "module:function: error" (the self-test reads it)
        self._plugin_loader: Any = None
        if plugins_later:
            from pemdesk.ui.plugin_loader import PluginLoader

            self._plugin_loader = PluginLoader(PLUGINS, self)
            self._plugin_loader.ready.connect(self._run_plugins)
            # Imported once the site tree is filled (their imports would otherwise share the
            # interpreter with the first read of the store); at the latest after a second.
            QTimer.singleShot(1000, self._start_plugin_loader)
        else:
            self._run_plugins()

    def _start_plugin_loader(self) -> None:
        loader, self._plugin_loader = self._plugin_loader, None
        if loader is not None:
            loader.start()

    # --- extension points ------------------------------------------------------------------
    def add_tab(self, widget: QWidget, title: str) -> int:
        """Add a tab; ``title`` is English and is translated (again on a language switch)."""
        self._tab_titles.append((widget, title))
        return self.tabs.addTab(widget, _(title))

    def add_action(
        self,
        menu: Any,
        text: str,
        slot: Callable[[], Any] | None = None,
        shortcut: str | QKeySequence | QKeySequence.StandardKey | None = None,
        toolbar: bool = False,
    ) -> QAction:
        """A menu action whose English ``text`` is translated and retranslated."""
        action = QAction(_(text), self)
        if slot is not None:
            action.triggered.connect(lambda _checked=False: slot())
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        end: QAction | None = getattr(self, "_file_end", None)
        if end is not None and menu is getattr(self, "menu_file", None):
            self.menu_file.insertAction(end, action)  # File → Quit stays last
        else:
            menu.addAction(action)
        if toolbar:
            self.toolbar.addAction(action)
        self.translated(action.setText, text)
        return action

    def translated(self, setter: Callable[[str], None], text: str) -> None:
        """Register ``setter(_(text))`` to be called again whenever the language changes."""
        self._translated.append((setter, text))
        setter(_(text))

    def current_site_id(self) -> str | None:
        return self._selected_site

    def current_visit_id(self) -> str | None:
        """The visit selected in the visits table (or None)."""
        rows = self.visits.selectionModel().selectedRows()
        if rows:
            return self.visits_model.visit(rows[0].row()).id
        return None

    def _run_plugins(self) -> None:
        if self.plugins_ready:
            return
        for entry in PLUGINS:
            try:
                module_name, _sep, function = entry.partition(":")
                getattr(importlib.import_module(module_name), function or "install")(self)
            except Exception as exc:  # a broken plug-in must not stop the program from opening
                log.exception("plug-in %s failed", entry)
                self.plugin_failures.append(f"{entry}: {exc!r}")
                show_error(self, exc)
        self.plugins_ready = True
        self.plugins_installed.emit()

    def run_with_progress(
        self,
        operation: Callable[[Store, Any], Any],
        text: str,
        on_success: Callable[[Any], None] | None = None,
    ) -> Any:
        """Run ``operation(store, progress)`` on the database thread with a progress dialog."""
        from pemdesk.progress import Progress

        progress = Progress()
        dialog = QProgressDialog(_(text), _("Cancel"), 0, 0, self)
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(200)
        dialog.canceled.connect(progress.cancel)
        timer = QTimer(dialog)

        def poll() -> None:
            if progress.total:
                dialog.setMaximum(int(progress.total))
                dialog.setValue(int(progress.done))
            if progress.label:
                dialog.setLabelText(progress.label)

        timer.timeout.connect(poll)
        timer.start(100)

        def finished(result: Any) -> None:
            timer.stop()
            dialog.reset()
            dialog.deleteLater()
            if on_success is not None:
                on_success(result)

        def failed(exc: BaseException) -> None:
            timer.stop()
            dialog.reset()
            dialog.deleteLater()
            show_error(self, exc)

        self.ops.write(lambda store: operation(store, progress), finished, failed)
        return progress

    # --- menus and language --------------------------------------------------------------------
    def _build_menus(self) -> None:
        bar = self.menuBar()
        self.menu_file = bar.addMenu("")
        self.menu_visit = bar.addMenu("")
        self.menu_reports = bar.addMenu("")
        self.menu_sync = bar.addMenu("")
        self.menu_tools = bar.addMenu("")
        self.menu_view = bar.addMenu("")
        self.menu_help = bar.addMenu("")
        for menu, title in (
            (self.menu_file, N_("&File")),
            (self.menu_visit, N_("V&isit")),
            (self.menu_reports, N_("&Reports")),
            (self.menu_sync, N_("&Sync")),
            (self.menu_tools, N_("&Tools")),
            (self.menu_view, N_("&View")),
            (self.menu_help, N_("&Help")),
        ):
            self.translated(menu.setTitle, title)
        self.toolbar = QToolBar()
        self.toolbar.setObjectName("main-toolbar")
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.addToolBar(self.toolbar)
        self.translated(self.toolbar.setWindowTitle, N_("Main tool bar"))

        self.action_new_site = self.add_action(
            self.menu_file, N_("New site…"), self.new_site, toolbar=True
        )
        self.action_edit_site = self.add_action(self.menu_file, N_("Edit site…"), self.edit_site)
        self.action_new_plot = self.add_action(self.menu_file, N_("New plot…"), self.new_plot)
        self.action_people = self.add_action(self.menu_file, N_("People…"), self.edit_people)
        self.menu_file.addSeparator()
        self.action_settings = self.add_action(
            self.menu_file,
            N_("Settings…"),
            self.edit_settings,
            QKeySequence.StandardKey.Preferences,
        )
        self.action_demo = self.add_action(self.menu_file, N_("Open the demo data"), self.open_demo)
        self.action_quit = self.add_action(
            self.menu_file, N_("&Quit"), self.close, QKeySequence.StandardKey.Quit
        )
        self._file_end = self.menu_file.insertSeparator(self.action_quit)  # plug-ins go above

        self.action_new_visit = self.add_action(
            self.menu_visit, N_("&New visit"), self.new_visit, "Ctrl+N", toolbar=True
        )
        self.action_open_visit = self.add_action(
            self.menu_visit, N_("&Open visit"), self._open_selected_visit, "Ctrl+O", toolbar=True
        )
        self.action_find = self.add_action(
            self.menu_visit, N_("Find site"), self.search.setFocus, QKeySequence.StandardKey.Find
        )

        self.menu_language = self.menu_view.addMenu("")
        self.translated(self.menu_language.setTitle, N_("Language"))
        group = QActionGroup(self)
        self.language_actions: dict[str, QAction] = {}
        for code, name in (("mn", "Монгол"), ("en", "English")):
            action = QAction(name, self, checkable=True)
            action.setChecked(code == i18n.get_language())
            action.triggered.connect(lambda _checked=False, c=code: self.set_language(c))
            group.addAction(action)
            self.menu_language.addAction(action)
            self.language_actions[code] = action
        self.action_refresh = self.add_action(
            self.menu_view, N_("Refresh"), self.refresh, QKeySequence.StandardKey.Refresh
        )
        self.action_about = self.add_action(self.menu_help, N_("About pemdesk"), self.about)

    def set_language(self, lang: str) -> None:
        """Switch language everywhere, keeping all work: open editors retranslate in place."""
        i18n.set_language(lang)
        from pemdesk.ui.app import settings

        settings().setValue("language", lang)
        self.language_actions[lang].setChecked(True)
        self.retranslate()
        for editor in list(self.editors.values()):
            editor.retranslate()
        self.language_changed.emit(lang)

    def retranslate(self) -> None:
        title = _("pemdesk — participatory environmental monitoring")
        self.setWindowTitle(title + (f" [{_('demo')}]" if self.demo else ""))
        for setter, text in self._translated:
            setter(_(text))
        for widget, text in self._tab_titles:
            index = self.tabs.indexOf(widget)
            if index >= 0:
                self.tabs.setTabText(index, _(text))
        self.search.setPlaceholderText(_("Search sites (Cyrillic or Latin)…"))
        self.date_from_label.setText(_("From"))
        self.date_to_label.setText(_("to"))
        self.show_revisions.setText(_("Show earlier revisions"))
        self.new_visit_button.setText(_("New visit"))
        self._fill_combo(
            self.stage_filter,
            [(None, _("All plot stages"))] + [(s, label(s)) for s in model.PlotStage],
        )
        self._fill_combo(
            self.status_filter,
            [(None, _("All visits"))] + [(s, label(s)) for s in model.VisitStatus],
        )
        self.status_dir.setText(_("Data folder: {path}").format(path=self.data_dir))
        self._show_status()
        self.visits_model.retranslate()
        self._fill_tree()
        self._show_site_header()

    @staticmethod
    def _fill_combo(combo: QComboBox, items: list[tuple[Any, str]]) -> None:
        """Refill a combo with translated texts, keeping the chosen item (and its signals quiet)."""
        current = combo.currentData()
        combo.blockSignals(True)
        combo.clear()
        for data, text in items:
            combo.addItem(text, data)
        index = combo.findData(current)
        combo.setCurrentIndex(max(index, 0))
        combo.blockSignals(False)

    # --- data ------------------------------------------------------------------------------
    def _first_load(self) -> None:
        def first(store: Store) -> tuple[bool, Overview]:
            return store.is_empty(), load_overview(store, with_counts=False)

        def failed(exc: BaseException) -> None:
            self._start_plugin_loader()
            show_error(self, exc)

        self.ops.run(first, self._after_first_load, failed)

    def _after_first_load(self, result: tuple[bool, Overview]) -> None:
        empty, overview = result
        self._got_overview(overview)
        # after the filled tree has been painted and the window answers: the plug-ins' imports
        # (in a thread, but holding the interpreter in long stretches) would otherwise delay
        # that first frame by 10-40 ms
        QTimer.singleShot(PLUGINS_AFTER_FIRST_FRAME_MS, self._start_plugin_loader)
        self.ops.run(lambda store: store.visit_counts_by_site(), self._got_counts)
        if empty and self.demo:
            self.load_demo()
        elif empty and not self.demo:
            from pemdesk.paths import demo_dir_for

            if demo_dir_for(self.data_dir).is_dir():
                # the demo was opened before: guidance instead of the same question every start
                self.statusBar().showMessage(_(NO_SITES_YET), 30_000)
            else:
                self._offer_demo()
        self._recover_drafts()

    def _offer_demo(self) -> None:
        box = QMessageBox(self)
        box.setWindowTitle("pemdesk")
        box.setIcon(QMessageBox.Icon.Question)
        box.setText(
            _(
                "There is no data here yet. Open the built-in demo data to look around? "
                "It is kept in a separate folder, apart from your own records."
            )
        )
        box.setStandardButtons(QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
        box.finished.connect(
            lambda result: self.open_demo() if result == QMessageBox.StandardButton.Yes else None
        )
        self._demo_offer = box
        box.open()

    def load_demo(self) -> None:
        from pemdesk.demo import load_demo

        self.run_with_progress(
            lambda store, progress: load_demo(store, progress), N_("Loading the demo data…")
        )

    def open_demo(self) -> None:
        """Switch this window to the separate demo folder (loading the demo there if needed)."""
        from pemdesk.paths import demo_dir_for

        if self.demo:
            self.ops.run(
                lambda store: store.is_empty(), lambda empty: self.load_demo() if empty else None
            )
            return
        self._real_data_dir = self.data_dir
        self.switch_data_dir(demo_dir_for(self.data_dir), demo=True)
        self.ops.run(
            lambda store: store.is_empty(), lambda empty: self.load_demo() if empty else None
        )

    def switch_data_dir(self, data_dir: Path, demo: bool = False) -> None:
        """Use another data folder. Open editors are saved and closed first; the same ``ops``
        object stays (plug-ins keep theirs), it just opens the other store, and ``changed`` makes
        every view reload."""
        for editor in list(self.editors.values()):
            editor.close()
        self.data_dir, self.demo = data_dir, demo
        self.ops.reopen(lambda: _open_store(data_dir))
        self._selected_site = None
        self._site_rows = []
        self.visits_model.set_filter(None)
        self.retranslate()
        self.ops.changed.emit()

    def refresh(self) -> None:
        self.ops.run(load_overview, self._got_overview)
        if self._selected_site:
            self._apply_visit_filter()

    def _got_counts(self, counts: dict[str, int]) -> None:
        for row in self._site_rows:
            if row.visits < 0:
                row.visits = counts.get(row.site.id, 0)
        self._fill_tree()
        self._show_site_header()

    def _got_overview(self, overview: Overview) -> None:
        self._site_rows = overview.rows
        self._pending = overview.pending
        self._last_sync = overview.last_sync
        self._show_status()
        self._fill_tree()
        self._show_site_header()
        self.loaded = True

    def refresh_status(self) -> None:
        """Update the pending-changes count (cheap; after each autosave)."""

        def got(n: int) -> None:
            self._pending = n
            self._show_status()

        self.ops.run(lambda store: store.pending_records(), got)

    def _show_status(self) -> None:
        self.status_pending.setText(_("Records not yet synced: {n}").format(n=self._pending))
        when = format_datetime(self._last_sync) if self._last_sync else _("never")
        self.status_sync.setText(_("Last sync: {when}").format(when=when))

    def _matching_rows(self) -> list[SiteRow]:
        query = self.search.text().strip()
        if query:
            from pemdesk.search import matches

        stage = self.stage_filter.currentData()
        rows = []
        for row in self._site_rows:
            if stage is not None and not any(p.stage == stage for p in row.plots):
                continue
            if query:
                s = row.site
                haystack = (
                    s.name_mn,
                    s.name_en,
                    s.licence_no,
                    s.holder,
                    s.mineral,
                    mineral_text(s.mineral, "en"),  # "gold" finds "алт"
                    *row.aimag[1:],
                    *row.soum[1:],
                )
                if not matches(query, haystack):
                    continue
            rows.append(row)
        return rows

    def _fill_tree(self) -> None:
        self.tree_model.clear()
        if not self._site_rows:
            return  # nothing read yet (the window is being built) or no sites
        from pemdesk.collation import mongolian_sort_key

        lang = i18n.get_language()
        name = 1 if lang == "mn" else 2
        aimags: dict[str, QStandardItem] = {}
        soums: dict[str, QStandardItem] = {}
        current_item = None
        rows = self._matching_rows()

        def order(text: str) -> Any:
            if lang == "mn":
                return mongolian_sort_key(text)
            return unicodedata.normalize("NFKD", text).casefold()  # Ömnögovi among the O's

        for row in sorted(
            rows,
            key=lambda r: (order(r.aimag[name]), order(r.soum[name]), order(r.site.name(lang))),
        ):
            aimag_item = aimags.get(row.aimag[0])
            if aimag_item is None:
                aimag_item = QStandardItem(row.aimag[name])
                aimag_item.setEditable(False)
                aimag_item.setData("aimag", KIND_ROLE)
                self.tree_model.appendRow(aimag_item)
                aimags[row.aimag[0]] = aimag_item
            soum_item = soums.get(row.soum[0])
            if soum_item is None:
                soum_item = QStandardItem(row.soum[name])
                soum_item.setEditable(False)
                soum_item.setData("soum", KIND_ROLE)
                aimag_item.appendRow(soum_item)
                soums[row.soum[0]] = soum_item
            count = f" ({row.visits})" if row.visits >= 0 else ""
            site_item = QStandardItem(f"{row.site.name(lang)}{count}")
            site_item.setEditable(False)
            site_item.setData(row.site.id, SITE_ID_ROLE)
            site_item.setData("site", KIND_ROLE)
            soum_item.appendRow(site_item)
            for plot in row.plots:
                area = f", {i18n.format_number(plot.area_ha, 2)} {_('ha')}" if plot.area_ha else ""
                plot_item = QStandardItem(f"{plot.name} — {label(plot.stage)}{area}")
                plot_item.setEditable(False)
                plot_item.setData(row.site.id, SITE_ID_ROLE)
                plot_item.setData("plot", KIND_ROLE)
                plot_item.setData(plot.id, Qt.ItemDataRole.UserRole + 3)
                site_item.appendRow(plot_item)
            if row.site.id == self._selected_site:
                current_item = site_item
        for aimag_item in aimags.values():
            self.tree.setExpanded(aimag_item.index(), True)
            for r in range(aimag_item.rowCount()):
                self.tree.setExpanded(aimag_item.child(r).index(), True)
        if current_item is not None:
            self.tree.blockSignals(True)
            self.tree.setCurrentIndex(current_item.index())
            self.tree.blockSignals(False)

    def _on_tree_current(self, current: Any, _previous: Any) -> None:
        site_id = current.data(SITE_ID_ROLE) if current.isValid() else None
        if site_id and site_id != self._selected_site:
            self.select_site(site_id)

    def _on_tree_double_clicked(self, index: Any) -> None:
        kind = index.data(KIND_ROLE)
        if kind == "site":
            self.edit_site()
        elif kind == "plot":
            self.edit_plot(index.data(Qt.ItemDataRole.UserRole + 3))

    def select_site(self, site_id: str) -> None:
        self._selected_site = site_id
        self._apply_visit_filter()
        self._show_site_header()
        self.site_selected.emit(site_id)

    def visit_filter(self) -> VisitFilter | None:
        if not self._selected_site:
            return None

        def day(edit: QDateEdit) -> str | None:
            d = edit.date()
            return None if d == edit.minimumDate() else d.toString("yyyy-MM-dd")

        from pemdesk.storage import VisitFilter

        return VisitFilter(
            site_id=self._selected_site,
            date_from=day(self.date_from),
            date_to=day(self.date_to),
            status=self.status_filter.currentData(),
            latest_only=not self.show_revisions.isChecked(),
        )

    def _apply_visit_filter(self) -> None:
        self.visits_model.set_filter(self.visit_filter())

    def _show_site_header(self) -> None:
        row = next((r for r in self._site_rows if r.site.id == self._selected_site), None)
        if row is None:
            self.site_header.setText(
                _("Choose a site on the left to see its visits.")
                if self._site_rows
                else _(NO_SITES_YET)
            )
            return
        lang = i18n.get_language()
        name = 1 if lang == "mn" else 2
        s = row.site
        self.site_header.setText(
            f"<h3>{s.name(lang)}</h3>"
            f"{row.aimag[name]}, {row.soum[name]} · {label(s.kind)} · {_('Licence')}: "
            f"{s.licence_no or '—'} · {s.holder or '—'} · {mineral_text(s.mineral, i18n.get_language()) or '—'}<br>"
            f"{_('Visits')}: {row.visits if row.visits >= 0 else '…'} · "
            f"{_('Plots')}: {len(row.plots)}"
        )

    # --- actions ---------------------------------------------------------------------------
    def _site_row(self, site_id: str | None) -> SiteRow | None:
        return next((r for r in self._site_rows if r.site.id == site_id), None)

    def new_site(self) -> None:
        from pemdesk.ui.site_dialog import SiteDialog

        dialog = SiteDialog(self, None)
        dialog.saved.connect(self.select_site)
        dialog.open()

    def edit_site(self) -> None:
        row = self._site_row(self._selected_site)
        if row is None:
            self.new_site()
            return
        from pemdesk.ui.site_dialog import SiteDialog

        SiteDialog(self, row.site).open()

    def new_plot(self) -> None:
        row = self._site_row(self._selected_site)
        if row is None:
            QMessageBox.information(self, "pemdesk", _("Choose a site first."))
            return
        from pemdesk.ui.site_dialog import PlotDialog

        PlotDialog(self, model.Plot(site_id=row.site.id, name="")).open()

    def edit_plot(self, plot_id: str) -> None:
        from pemdesk.ui.site_dialog import PlotDialog

        for row in self._site_rows:
            for plot in row.plots:
                if plot.id == plot_id:
                    PlotDialog(self, plot).open()
                    return

    def edit_people(self) -> None:
        from pemdesk.ui.people import PeopleDialog

        PeopleDialog(self).open()

    def edit_settings(self) -> None:
        from pemdesk.ui.settings_dialog import SettingsDialog

        SettingsDialog(self).open()

    def about(self) -> None:
        from pemdesk import __version__

        QMessageBox.about(
            self,
            "pemdesk",
            _("pemdesk {version}: participatory environmental monitoring of mining.").format(
                version=__version__
            )
            + "\n"
            + _("Boundaries © OpenStreetMap contributors, via geoBoundaries (ODbL 1.0)."),
        )

    def new_visit(self) -> None:
        """Start a draft visit at the selected site and open it in the editor."""
        site_id = self._selected_site
        if site_id is None:
            QMessageBox.information(
                self, "pemdesk", _("Choose a site first.") if self._site_rows else _(NO_SITES_YET)
            )
            return
        from pemdesk import visits
        from pemdesk.ui.settings_dialog import profile

        me = profile()

        def start(store: Store) -> model.Visit:
            return visits.start_visit(store, site_id, monitor=me.as_person() if me.name else None)

        self.ops.write(start, lambda visit: self.open_visit(visit.id))

    def _open_selected_visit(self) -> None:
        visit_id = self.current_visit_id()
        if visit_id:
            self.open_visit(visit_id)

    def open_visit(self, visit_id: str) -> Any:
        """Open (or raise) the editor of a visit; finished visits open read-only."""
        editor = self.editors.get(visit_id)
        if editor is None:
            from pemdesk.ui.visit import VisitEditor

            editor = VisitEditor(self, visit_id)
            self.editors[visit_id] = editor
            editor.closed.connect(lambda vid=visit_id: self.editors.pop(vid, None))
            editor.saved.connect(self.refresh_status)
        editor.show()
        editor.raise_()
        editor.activateWindow()
        self.visit_opened.emit(visit_id)
        return editor

    def _recover_drafts(self) -> None:
        """Visits whose editor was open when the program last stopped: reopen them, say so."""
        from pemdesk.ui.session import open_editors_from_last_session

        ids = open_editors_from_last_session(self.data_dir)
        if not ids:
            return

        def existing(store: Store) -> list[str]:
            return [i for i in ids if store.exists(model.Visit, i)]

        def reopen(found: list[str]) -> None:
            for visit_id in found:
                self.open_visit(visit_id).show_notice(DRAFT_RECOVERED)

        self.ops.run(existing, reopen)

    def closeEvent(self, event: Any) -> None:  # noqa: N802 - Qt's name
        for editor in list(self.editors.values()):
            editor.close()
        self.ops.shutdown()
        super().closeEvent(event)
