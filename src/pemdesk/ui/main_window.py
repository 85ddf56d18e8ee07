"""The main window: sites by aimag and soum on the left, the selected site's visits on the right."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QActionGroup, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QHeaderView,
    QLabel,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QTableView,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from pemdesk import i18n, model
from pemdesk.i18n import _
from pemdesk.storage import Store, VisitFilter
from pemdesk.ui.errors import show_error
from pemdesk.ui.ops import Operations
from pemdesk.ui.visits_model import VisitsModel

SITE_ID_ROLE = Qt.ItemDataRole.UserRole + 1


@dataclass
class SiteRow:
    site: model.Site
    aimag: tuple[str, str, str]  # code, name_mn, name_en
    soum: tuple[str, str, str]
    visits: int


def load_site_rows(store: Store) -> list[SiteRow]:
    """Runs on the database thread: sites with their place names and visit counts."""
    from pemdesk.gazetteer import Gazetteer

    gaz = Gazetteer.load()
    counts = store.visit_counts_by_site()
    rows = []
    for site in store.list_sites():
        soum = gaz.soum(site.soum_code)
        aimag = gaz.aimag(soum.aimag_code)
        rows.append(
            SiteRow(
                site,
                (aimag.code, aimag.name_mn, aimag.name_en),
                (soum.code, soum.name_mn, soum.name_en),
                counts.get(site.id, 0),
            )
        )
    return rows


class MainWindow(QMainWindow):
    def __init__(self, data_dir: Path, demo: bool = False) -> None:
        super().__init__()
        self.data_dir = data_dir
        self.demo = demo
        self.ops = Operations(lambda: Store.open(data_dir), parent=self)
        self.ops.default_failure = lambda exc: show_error(self, exc)
        self.ops.changed.connect(self.refresh)
        self._site_rows: list[SiteRow] = []
        self._selected_site: str | None = None

        self.tree_model = QStandardItemModel(self)
        self.tree = QTreeView()
        self.tree.setModel(self.tree_model)
        self.tree.setHeaderHidden(True)
        self.tree.selectionModel().currentChanged.connect(self._on_tree_current)

        self.site_header = QLabel()
        self.site_header.setTextFormat(Qt.TextFormat.RichText)
        self.site_header.setWordWrap(True)
        self.visits_model = VisitsModel(self.ops)
        self.visits = QTableView()
        self.visits.setModel(self.visits_model)
        self.visits.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.visits.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.visits.horizontalHeader().setStretchLastSection(True)
        self.visits.verticalHeader().hide()

        right = QWidget()
        layout = QVBoxLayout(right)
        layout.addWidget(self.site_header)
        layout.addWidget(self.visits, 1)
        splitter = QSplitter()
        splitter.addWidget(self.tree)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 3)
        splitter.setSizes([320, 700])
        self.setCentralWidget(splitter)

        self.status_dir = QLabel()
        self.status_pending = QLabel()
        self.statusBar().addWidget(self.status_dir, 1)
        self.statusBar().addPermanentWidget(self.status_pending)
        self._build_menus()
        self.resize(1100, 700)
        self.retranslate()
        QTimer.singleShot(0, self._first_load)

    # --- menus and language --------------------------------------------------------------------
    def _build_menus(self) -> None:
        self.menu_file = self.menuBar().addMenu("")
        self.action_demo = QAction(self)
        self.action_demo.triggered.connect(self.load_demo)
        self.menu_file.addAction(self.action_demo)
        self.menu_file.addSeparator()
        self.action_quit = QAction(self)
        self.action_quit.triggered.connect(self.close)
        self.menu_file.addAction(self.action_quit)

        self.menu_view = self.menuBar().addMenu("")
        self.menu_language = self.menu_view.addMenu("")
        group = QActionGroup(self)
        self.language_actions: dict[str, QAction] = {}
        for code, label in (("mn", "Монгол"), ("en", "English")):
            action = QAction(label, self, checkable=True)
            action.setChecked(code == i18n.get_language())
            action.triggered.connect(lambda _checked=False, c=code: self.set_language(c))
            group.addAction(action)
            self.menu_language.addAction(action)
            self.language_actions[code] = action

    def set_language(self, lang: str) -> None:
        i18n.set_language(lang)
        from pemdesk.ui.app import settings

        settings().setValue("language", lang)
        self.language_actions[lang].setChecked(True)
        self.retranslate()

    def retranslate(self) -> None:
        title = _("pemdesk — participatory environmental monitoring")
        self.setWindowTitle(title + (f" [{_('demo')}]" if self.demo else ""))
        self.menu_file.setTitle(_("&File"))
        self.action_demo.setText(_("Load demo data"))
        self.action_quit.setText(_("&Quit"))
        self.menu_view.setTitle(_("&View"))
        self.menu_language.setTitle(_("Language"))
        self.status_dir.setText(_("Data folder: {path}").format(path=self.data_dir))
        self.visits_model.retranslate()
        self._fill_tree()
        self._show_site_header()

    # --- data ------------------------------------------------------------------------------
    def _first_load(self) -> None:
        def is_empty(store: Store) -> bool:
            return store.is_empty()

        self.ops.run(is_empty, self._after_empty_check)

    def _after_empty_check(self, empty: bool) -> None:
        if empty and self.demo:
            self.load_demo()
        elif empty:
            answer = QMessageBox.question(
                self,
                "pemdesk",
                _("There is no data here yet. Load the built-in demo data to look around?"),
            )
            if answer == QMessageBox.StandardButton.Yes:
                self.load_demo()
        self.refresh()

    def load_demo(self) -> None:
        from pemdesk.demo import load_demo

        self.ops.write(load_demo)

    def refresh(self) -> None:
        self.ops.run(load_site_rows, self._got_site_rows)
        self.ops.run(lambda store: store.pending_changes(), self._got_pending)
        if self._selected_site:
            self._select_site(self._selected_site)

    def _got_pending(self, n: int) -> None:
        self.status_pending.setText(_("Changes not yet synced: {n}").format(n=n))

    def _got_site_rows(self, rows: list[SiteRow]) -> None:
        self._site_rows = rows
        self._fill_tree()

    def _fill_tree(self) -> None:
        lang = i18n.get_language()
        name = 1 if lang == "mn" else 2
        self.tree_model.clear()
        aimags: dict[str, QStandardItem] = {}
        soums: dict[str, QStandardItem] = {}
        current_item = None
        for row in sorted(self._site_rows, key=lambda r: (r.aimag[name], r.soum[name], r.site.name(lang))):
            aimag_item = aimags.get(row.aimag[0])
            if aimag_item is None:
                aimag_item = QStandardItem(row.aimag[name])
                aimag_item.setEditable(False)
                self.tree_model.appendRow(aimag_item)
                aimags[row.aimag[0]] = aimag_item
            soum_item = soums.get(row.soum[0])
            if soum_item is None:
                soum_item = QStandardItem(row.soum[name])
                soum_item.setEditable(False)
                aimag_item.appendRow(soum_item)
                soums[row.soum[0]] = soum_item
            site_item = QStandardItem(f"{row.site.name(lang)} ({row.visits})")
            site_item.setEditable(False)
            site_item.setData(row.site.id, SITE_ID_ROLE)
            soum_item.appendRow(site_item)
            if row.site.id == self._selected_site:
                current_item = site_item
        self.tree.expandAll()
        if current_item is not None:
            self.tree.setCurrentIndex(current_item.index())

    def _on_tree_current(self, current: Any, _previous: Any) -> None:
        site_id = current.data(SITE_ID_ROLE) if current.isValid() else None
        if site_id and site_id != self._selected_site:
            self._select_site(site_id)

    def _select_site(self, site_id: str) -> None:
        self._selected_site = site_id
        self.visits_model.set_filter(VisitFilter(site_id=site_id))
        self._show_site_header()

    def _show_site_header(self) -> None:
        row = next((r for r in self._site_rows if r.site.id == self._selected_site), None)
        if row is None:
            self.site_header.setText(_("Choose a site on the left to see its visits."))
            return
        lang = i18n.get_language()
        name = 1 if lang == "mn" else 2
        s = row.site
        self.site_header.setText(
            f"<h3>{s.name(lang)}</h3>"
            f"{row.aimag[name]}, {row.soum[name]} · {_('Licence')}: {s.licence_no or '—'} · "
            f"{s.holder} · {s.mineral}<br>{_('Visits')}: {row.visits}"
        )

    def closeEvent(self, event: Any) -> None:  # noqa: N802 - Qt's name
        self.ops.shutdown()
        super().closeEvent(event)
