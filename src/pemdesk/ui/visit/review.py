"""The Review page: everything a committee checks before the visit is sealed, and the only place
it is sealed. Sections come from ``pemdesk.review`` (participants and their sign-off, observations
above their limits, findings, doubtful photos, missing or impossible entries, and the sections
other modules register there); items the page can act on have a button (detach a photo, make a
finding from an exceedance, go to the page to correct something).

Other modules add a widget of their own (e.g. a sign-off step) by appending ``"module:function"``
to ``REVIEW_WIDGETS``; ``function(page)`` returns a QWidget that may define ``load(detail)``,
``set_read_only(bool)`` and ``retranslate()``. It is shown above the seal button.
"""

from __future__ import annotations

import importlib
import logging
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QScrollArea,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from pemdesk import i18n
from pemdesk.i18n import _
from pemdesk.labels import N_
from pemdesk.review import Review, ReviewItem, review_visit
from pemdesk.storage import VisitDetail
from pemdesk.ui.errors import show_error

if TYPE_CHECKING:
    from pemdesk.ui.visit.editor import VisitEditor

log = logging.getLogger(__name__)

# "module:function" entries; function(review_page) -> QWidget (see the module docstring).
REVIEW_WIDGETS: list[str] = ["pemdesk.ui.cases.editor:signoff_widget"]

LEVEL_COLOURS = {"block": "#ffcdd2", "warn": "#ffe0b2", "info": "", "ok": "#e8f5e9"}
IRREVERSIBLE = N_(
    "Sealing cannot be undone: the visit is locked and signed with this laptop's key. "
    "A later change is made as an amendment, which makes a new revision; this one stays."
)


class ReviewPage(QWidget):
    key = "review"

    def __init__(self, editor: VisitEditor) -> None:
        super().__init__()
        self.editor = editor
        self.review: Review | None = None
        self.local: list[ReviewItem] = []
        layout = QVBoxLayout(self)
        self.intro = QLabel()
        self.intro.setWordWrap(True)
        self.tree = QTreeWidget()
        self.tree.setHeaderHidden(True)
        self.tree.setWordWrap(True)
        self.tree.setColumnCount(1)
        self.tree.currentItemChanged.connect(lambda *_a: self._update_buttons())
        self.tree.itemDoubleClicked.connect(lambda *_a: self.go_to())
        actions = QHBoxLayout()
        self.go_button = editor._button(N_("Go to it"), self.go_to)
        self.detach_button = editor._button(N_("Detach the photo from this visit"), self.detach)
        self.finding_button = editor._button(N_("Make a finding from it"), self.make_finding)
        self.refresh_button = editor._button(N_("Check again"), self.refresh)
        for button in (self.go_button, self.detach_button, self.finding_button):
            actions.addWidget(button)
        actions.addStretch(1)
        actions.addWidget(self.refresh_button)
        self.extras = QVBoxLayout()
        self.warning = QLabel()
        self.warning.setWordWrap(True)
        self.warning.setStyleSheet(
            "QLabel { background: #fff3e0; border: 1px solid #ef6c00; padding: 8px; }"
        )
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.seal_button = editor._button(N_("Seal the visit…"), self.seal)
        self.seal_button.setMinimumHeight(34)
        seal_row = QHBoxLayout()
        seal_row.addWidget(self.status, 1)
        seal_row.addWidget(self.seal_button)
        # the list above, the sections of other modules (e.g. sign-off) below, the divider movable
        top_part = QWidget()
        top_layout = QVBoxLayout(top_part)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addWidget(self.tree, 1)
        top_layout.addLayout(actions)
        extras_holder = QWidget()
        extras_holder.setLayout(self.extras)
        self.extras_scroll = QScrollArea()
        self.extras_scroll.setWidgetResizable(True)
        self.extras_scroll.setWidget(extras_holder)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(top_part)
        self.splitter.addWidget(self.extras_scroll)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        layout.addWidget(self.intro)
        layout.addWidget(self.splitter, 1)
        layout.addWidget(self.warning)
        layout.addLayout(seal_row)
        self.extra_widgets: list[QWidget] = []
        for entry in REVIEW_WIDGETS:
            try:
                module_name, _sep, function = entry.partition(":")
                widget = getattr(importlib.import_module(module_name), function)(self)
            except Exception as exc:  # a broken section must not stop the editor
                log.exception("review widget %s failed", entry)
                show_error(editor, exc)
                continue
            self.extra_widgets.append(widget)
            self.extras.addWidget(widget)
        self.extras_scroll.setVisible(bool(self.extra_widgets))
        self._update_buttons()

    # --- data --------------------------------------------------------------------------------
    def load(self, detail: VisitDetail) -> None:
        for widget in self.extra_widgets:
            load = getattr(widget, "load", None)
            if load is not None:
                load(detail)
        if self.editor.tabs.currentWidget() is self or self.review is not None:
            self.refresh()

    def refresh(self) -> None:
        """Save what is on the pages, then review what is stored."""
        visit_id = self.editor.visit_id
        self.status.setText(_("Checking…"))

        def review() -> None:
            self.editor.ops.run(lambda store: review_visit(store, visit_id), self.show_review)

        self.editor.save_now(then=review)

    def show_review(self, review: Review) -> None:
        self.review = review
        self.local = [] if self.editor.read_only else self.editor.local_problems()
        self._fill()

    @property
    def can_seal(self) -> bool:
        return (
            self.review is not None
            and self.review.can_seal
            and not self.local
            and not self.editor.read_only
        )

    # --- showing -----------------------------------------------------------------------------
    def _fill(self) -> None:
        lang = i18n.get_language()
        self.tree.clear()
        if self.review is None:
            return
        if self.local:
            top = QTreeWidgetItem([_("Not saved yet")])
            self.tree.addTopLevelItem(top)
            top.setExpanded(True)
            for problem in self.local:
                child = QTreeWidgetItem([problem.text(lang)])
                child.setData(0, Qt.ItemDataRole.UserRole, problem)
                child.setBackground(0, QBrush(QColor(LEVEL_COLOURS["block"])))
                top.addChild(child)
        for section in self.review.sections:
            blocking = sum(1 for i in section.items if i.level == "block")
            title = section.title(lang)
            if section.items:
                title += f" ({len(section.items)})"
            top = QTreeWidgetItem([title])
            font = top.font(0)
            font.setBold(True)
            top.setFont(0, font)
            self.tree.addTopLevelItem(top)
            if not section.items:
                empty = QTreeWidgetItem([section.empty(lang)])
                empty.setForeground(0, QBrush(QColor("#2e7d32")))
                top.addChild(empty)
            for item in section.items:
                child = QTreeWidgetItem([item.text(lang)])
                child.setData(0, Qt.ItemDataRole.UserRole, item)
                child.setToolTip(0, item.text(lang))
                colour = LEVEL_COLOURS.get(item.level, "")
                if colour:
                    child.setBackground(0, QBrush(QColor(colour)))
                top.addChild(child)
            top.setExpanded(True)
            if blocking:
                top.setForeground(0, QBrush(QColor("#b71c1c")))
        self._update_buttons()

    def _chosen(self) -> ReviewItem | None:
        current = self.tree.currentItem()
        item = current.data(0, Qt.ItemDataRole.UserRole) if current is not None else None
        return item if isinstance(item, ReviewItem) else None

    def _update_buttons(self) -> None:
        item = self._chosen()
        writable = not self.editor.read_only
        self.go_button.setEnabled(item is not None and item.page is not None)
        self.detach_button.setVisible(writable)
        self.finding_button.setVisible(writable)
        self.detach_button.setEnabled(item is not None and item.action == "detach_photo")
        self.finding_button.setEnabled(item is not None and item.action == "make_finding")
        self.seal_button.setVisible(writable)
        self.warning.setVisible(writable)
        self.seal_button.setEnabled(self.can_seal)
        if self.editor.read_only:
            self.status.setText(_("This visit is sealed."))
        elif self.review is None:
            self.status.setText("")
        elif self.can_seal:
            self.status.setText(
                _("Nothing stops sealing. Read the list once more with the committee.")
            )
        else:
            count = len(self.review.blocking) + len(self.local)
            self.status.setText(
                _("{n} problem(s) marked in red must be solved before sealing.").format(n=count)
            )
        self.status.setStyleSheet(
            "" if self.can_seal or self.editor.read_only else "color: #b71c1c;"
        )

    def set_read_only(self, read_only: bool) -> None:
        for widget in self.extra_widgets:
            set_read_only = getattr(widget, "set_read_only", None)
            if set_read_only is not None:
                set_read_only(read_only)
        self._update_buttons()

    def retranslate(self) -> None:
        self.intro.setText(
            _(
                "Look through this list with the committee before sealing. Items in red stop "
                "sealing; orange ones are worth a word in the findings."
            )
        )
        self.warning.setText(_(IRREVERSIBLE))
        self._fill()
        self._update_buttons()
        for widget in self.extra_widgets:
            retranslate = getattr(widget, "retranslate", None)
            if retranslate is not None:
                retranslate()

    # --- acting ------------------------------------------------------------------------------
    def go_to(self) -> None:
        item = self._chosen()
        target = self.editor.page(item.page) if item is not None and item.page else None
        if target is not None:
            self.editor.tabs.setCurrentWidget(target)

    def detach(self) -> None:
        item = self._chosen()
        if item is None or item.action != "detach_photo" or item.record_id is None:
            return
        from pemdesk.photos.library import remove_from_visit

        photo_id = item.record_id

        def detached(_result: Any) -> None:
            photos = self.editor.photos_tab
            reload = getattr(photos, "reload", None)
            if reload is not None:
                reload()
            self.refresh()

        self.editor.ops.write(
            lambda store: remove_from_visit(store, photo_id),
            detached,
            lambda exc: show_error(self, exc),
        )

    def make_finding(self) -> None:
        item = self._chosen()
        if item is None or item.action != "make_finding":
            return
        lang = i18n.get_language()
        self.editor.add_finding_row(_("Exceedance"), item.text(lang))

    def confirm(self) -> bool:
        """Ask once more, saying plainly that sealing cannot be undone."""
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle(_("Seal the visit"))
        box.setText(_("Seal this visit now?"))
        box.setInformativeText(_(IRREVERSIBLE))
        box.setStandardButtons(QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        return box.exec() == QMessageBox.StandardButton.Yes

    def seal(self) -> None:
        if not self.can_seal:
            return
        if self.confirm():
            self.editor.seal()
