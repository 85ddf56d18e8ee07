"""The visit editor's Photos tab: thumbnails with caption, bearing, time and position; full-size
view; caption; remove from the visit; import; photo-point comparison; disk use."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import shiboken6
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QIcon, QImage, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from pemdesk import i18n, model
from pemdesk.i18n import _, format_datetime, format_number
from pemdesk.plausibility import PhotoDoubt, visit_photo_doubts
from pemdesk.ui.errors import show_error

THUMB = 192


def photo_text(photo: model.Photo) -> str:
    """The lines under a thumbnail: caption, time, bearing, position."""
    lines = [photo.caption or photo.original_name]
    lines.append(format_datetime(photo.taken_at) if photo.taken_at else _("no time"))
    where = (
        f"{photo.lat:.5f}, {photo.lon:.5f}"
        if photo.lat is not None and photo.lon is not None
        else _("no position")
    )
    if photo.bearing is not None:
        where += f"  ↑{photo.bearing:.0f}°"
    lines.append(where)
    return "\n".join(lines)


@dataclass
class GalleryData:
    photos: list[model.Photo]
    thumbs: dict[str, QImage]
    usage: Any
    site_id: str | None = None
    doubts: dict[str, list[PhotoDoubt]] = field(default_factory=dict)


def load_gallery(
    store: Any, visit_id: str | None, known: frozenset[str] = frozenset()
) -> GalleryData:
    """Runs on the database worker: the photos, and the thumbnails not in ``known`` (originals'
    SHA-256) decoded off the GUI thread."""
    from pemdesk.photos.library import disk_usage, thumb_path
    from pemdesk.storage import photos as q

    photos = q.photos(store, visit_id=visit_id, unassigned=visit_id is None)
    thumbs: dict[str, QImage] = {}
    for photo in photos:
        if photo.sha256 in known or photo.sha256 in thumbs:
            continue
        path = thumb_path(store, photo)
        if path is not None:
            image = QImage(str(path))
            if not image.isNull():
                thumbs[photo.sha256] = image
    site_id, doubts = None, {}
    if visit_id:
        visit = store.get(model.Visit, visit_id)
        site_id = visit.site_id
        doubts = visit_photo_doubts(visit, store.get(model.Site, site_id), photos)
    return GalleryData(photos, thumbs, disk_usage(store), site_id, doubts)


class PhotoGallery(QWidget):
    """Photos of one visit (or the unassigned ones when ``visit_id`` is None)."""

    loaded = Signal()

    def __init__(
        self, ops: Any, data_dir: Path, visit_id: str | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.ops = ops
        self.data_dir = Path(data_dir)
        self.visit_id = visit_id
        self.read_only = False
        self.photos: list[model.Photo] = []
        self._dialogs: list[Any] = []
        self._thumbs: dict[str, QImage] = {}  # by the original's SHA-256
        self.site_id: str | None = None
        layout = QVBoxLayout(self)

        bar = QHBoxLayout()
        self.import_button = QPushButton()
        self.import_button.clicked.connect(self.open_import)
        self.view_button = QPushButton()
        self.view_button.clicked.connect(self.view_selected)
        self.remove_button = QPushButton()
        self.remove_button.clicked.connect(self.remove_selected)
        self.compare_button = QPushButton()
        self.compare_button.clicked.connect(self.compare_selected)
        self.add_button = QPushButton()
        self.add_button.clicked.connect(self.add_unassigned)
        self.point_button = QPushButton()
        self.point_button.clicked.connect(self.photo_point_for_selected)
        for b in (
            self.import_button,
            self.add_button,
            self.view_button,
            self.remove_button,
            self.point_button,
            self.compare_button,
        ):
            bar.addWidget(b)
        bar.addStretch(1)
        self.usage_label = QLabel()
        bar.addWidget(self.usage_label)
        layout.addLayout(bar)

        self.list = QListWidget()
        self.list.setViewMode(QListWidget.ViewMode.IconMode)
        self.list.setIconSize(QSize(THUMB, THUMB))
        self.list.setGridSize(QSize(THUMB + 40, THUMB + 70))
        self.list.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.list.setMovement(QListWidget.Movement.Static)
        self.list.setWordWrap(True)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.list.itemDoubleClicked.connect(lambda _item: self.view_selected())
        self.list.itemSelectionChanged.connect(self._selection_changed)
        layout.addWidget(self.list, 1)

        caption_row = QHBoxLayout()
        self.caption_label = QLabel()
        self.caption = QLineEdit()
        self.caption.editingFinished.connect(self._save_caption)
        caption_row.addWidget(self.caption_label)
        caption_row.addWidget(self.caption, 1)
        layout.addLayout(caption_row)
        self.empty_label = QLabel()
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.empty_label)
        self.doubts: dict[str, list[PhotoDoubt]] = {}
        self.doubt_label = QLabel()
        self.doubt_label.setWordWrap(True)
        self.doubt_label.setStyleSheet("color: #e65100;")
        self.doubt_label.hide()
        layout.addWidget(self.doubt_label)
        if hasattr(ops, "changed"):
            ops.changed.connect(self.reload)
        self.retranslate()
        self._selection_changed()

    # --- the visit editor's tab protocol ---------------------------------------------------
    def load(self, detail: Any) -> None:
        self.visit_id = detail.visit.id
        self.reload()

    def set_read_only(self, read_only: bool) -> None:
        self.read_only = read_only
        self._selection_changed()

    def retranslate(self) -> None:
        self.import_button.setText(_("Import photos…"))
        self.add_button.setText(_("Add imported photos…"))
        self.view_button.setText(_("View"))
        self.remove_button.setText(_("Remove from visit"))
        self.compare_button.setText(_("Compare by year"))
        self.point_button.setText(_("Photo point…"))
        self.caption_label.setText(_("Caption:"))
        self.empty_label.setText(_("No photos yet: import them from a camera or phone."))

    # --- data ------------------------------------------------------------------------------
    def reload(self) -> None:
        visit_id, known = self.visit_id, frozenset(self._thumbs)
        self.ops.run(lambda store: load_gallery(store, visit_id, known), self._show, self._failed)

    def _failed(self, exc: BaseException) -> None:
        if shiboken6.isValid(self):
            show_error(self, exc)

    def _show(self, data: GalleryData) -> None:
        if not shiboken6.isValid(self):
            return  # closed meanwhile
        self._thumbs.update(data.thumbs)
        self.site_id = data.site_id
        selected = {p.id for p in self.selected_photos()}
        self.photos = data.photos
        self.list.clear()
        self.doubts = data.doubts
        lang = i18n.get_language()
        for photo in data.photos:
            doubts = data.doubts.get(photo.id, [])
            text = photo_text(photo)
            if doubts:  # taken far away or at another time: said on the photo itself
                text = "⚠ " + text + "\n" + " ".join(d.message(lang) for d in doubts)
            item = QListWidgetItem(text)
            if doubts:
                item.setBackground(QBrush(QColor("#ffe0b2")))
            image = self._thumbs.get(photo.sha256)
            if image is not None:
                item.setIcon(QIcon(QPixmap.fromImage(image)))
            item.setData(Qt.ItemDataRole.UserRole, photo.id)
            item.setToolTip(
                f"{photo.original_name}\nSHA-256 {photo.sha256}\n{photo.width}×{photo.height}"
                + (
                    f"\n{_('altitude')} {photo.altitude_m:.0f} m"
                    if photo.altitude_m is not None
                    else ""
                )
            )
            self.list.addItem(item)
            item.setSelected(photo.id in selected)
        u = data.usage
        self.usage_label.setText(
            _("Photos on disk: {n}, {mb} MB").format(
                n=u.originals, mb=format_number(u.total_bytes / 1e6, 1)
            )
        )
        self.empty_label.setVisible(not data.photos)
        self.doubt_label.setText(
            _("{n} photo(s) do not fit the visit's time or place; see the Review page.").format(
                n=len(data.doubts)
            )
        )
        self.doubt_label.setVisible(bool(data.doubts))
        self._selection_changed()
        self.loaded.emit()

    def selected_photos(self) -> list[model.Photo]:
        ids = {i.data(Qt.ItemDataRole.UserRole) for i in self.list.selectedItems()}
        return [p for p in self.photos if p.id in ids]

    def _selection_changed(self) -> None:
        chosen = self.selected_photos()
        self.view_button.setEnabled(len(chosen) == 1)
        self.remove_button.setEnabled(
            bool(chosen) and not self.read_only and self.visit_id is not None
        )
        self.compare_button.setEnabled(len(chosen) == 1 and chosen[0].photo_point_id is not None)
        self.point_button.setEnabled(
            len(chosen) == 1
            and not self.read_only
            and self.site_id is not None
            and chosen[0].lat is not None
        )
        self.import_button.setEnabled(not self.read_only)
        self.add_button.setEnabled(not self.read_only and self.visit_id is not None)
        self.caption.setEnabled(len(chosen) == 1 and not self.read_only)
        self.caption.setText(chosen[0].caption if len(chosen) == 1 else "")

    # --- actions ---------------------------------------------------------------------------
    def open_import(self, paths: list[Path] | None = None) -> Any:
        from pemdesk.ui.photos.import_dialog import PhotoImportDialog

        dialog = PhotoImportDialog(
            self.data_dir, visit_id=self.visit_id, paths=paths, ops=self.ops, parent=self
        )
        dialog.imported.connect(lambda _summary: self.reload())
        self._keep(dialog)
        dialog.show()
        return dialog

    def add_unassigned(self) -> Any:
        """Choose among the photos in no visit and put them into this one (by hand)."""
        if self.read_only or self.visit_id is None:
            return None
        dialog = QDialog(self)
        dialog.setWindowTitle(_("Add imported photos…"))
        dialog.resize(900, 600)
        layout = QVBoxLayout(dialog)
        layout.addWidget(QLabel(_("Photos in no visit; choose the ones taken on this visit:")))
        chooser = PhotoGallery(self.ops, self.data_dir, None, dialog)
        for b in (chooser.import_button, chooser.add_button, chooser.remove_button):
            b.hide()
        chooser.caption.setEnabled(False)
        layout.addWidget(chooser, 1)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        layout.addWidget(buttons)
        visit_id = self.visit_id

        def accept() -> None:
            from pemdesk.photos.library import assign_to_visit

            ids = [p.id for p in chooser.selected_photos()]
            if ids:
                self.ops.write(
                    lambda store: assign_to_visit(store, ids, visit_id), on_failure=self._failed
                )
            dialog.accept()

        buttons.accepted.connect(accept)
        buttons.rejected.connect(dialog.reject)
        dialog.chooser = chooser  # type: ignore[attr-defined]
        dialog.accept_choice = accept  # type: ignore[attr-defined]
        chooser.reload()
        self._keep(dialog)
        dialog.show()
        return dialog

    def view_selected(self) -> Any:
        chosen = self.selected_photos()
        if len(chosen) != 1:
            return None
        from pemdesk.ui.photos.viewer import PhotoViewer

        viewer = PhotoViewer(self.ops, chosen[0], parent=self)
        self._keep(viewer)
        viewer.show()
        return viewer

    def photo_point_for_selected(self, name: str | None = None, ask: bool = True) -> None:
        """Link the photo to the site's photo point it was taken from (close, same bearing), or
        make a new photo point there; then photos taken there are compared by year."""
        chosen = self.selected_photos()
        if len(chosen) != 1 or self.site_id is None or self.read_only:
            return
        from pemdesk.photos.library import suggest_photo_point

        photo, site_id = chosen[0], self.site_id
        self.ops.run(
            lambda store: suggest_photo_point(store, photo, site_id),
            lambda point: self._point_suggested(photo, point, name, ask),
            self._failed,
        )

    def _point_suggested(self, photo: model.Photo, point: Any, name: str | None, ask: bool) -> None:
        from PySide6.QtWidgets import QInputDialog, QMessageBox

        from pemdesk.photos.library import create_photo_point_from, link_to_photo_point

        if not shiboken6.isValid(self):
            return
        if (
            point is not None
            and point.id != photo.photo_point_id
            and (
                not ask
                or QMessageBox.question(
                    self,
                    _("Photo point…"),
                    _("Taken at photo point “{name}”. Link it?").format(name=point.name),
                )
                == QMessageBox.StandardButton.Yes
            )
        ):
            pid = point.id
            self.ops.write(
                lambda store: link_to_photo_point(store, photo.id, pid), on_failure=self._failed
            )
            return
        if name is None and ask:
            name, ok = QInputDialog.getText(
                self, _("Photo point…"), _("Name of the new photo point:")
            )
            if not ok:
                return
        if not name:
            return
        site_id, text = self.site_id, name.strip()
        if site_id is None:
            return
        self.ops.write(
            lambda store: create_photo_point_from(store, photo.id, site_id, text),
            on_failure=self._failed,
        )

    def compare_selected(self) -> Any:
        chosen = self.selected_photos()
        if len(chosen) != 1 or not chosen[0].photo_point_id:
            return None
        from pemdesk.ui.photos.compare import PhotoPointCompare

        dialog = PhotoPointCompare(self.ops, chosen[0].photo_point_id, parent=self)
        self._keep(dialog)
        dialog.show()
        return dialog

    def remove_selected(self) -> None:
        ids = [p.id for p in self.selected_photos()]
        if not ids or self.read_only:
            return
        from pemdesk.photos.library import remove_from_visit

        def run(store: Any) -> None:
            with store.atomic():
                for pid in ids:
                    remove_from_visit(store, pid)

        self.ops.write(run, on_failure=lambda e: show_error(self, e))

    def _save_caption(self) -> None:
        chosen = self.selected_photos()
        if len(chosen) != 1 or self.read_only or self.caption.text().strip() == chosen[0].caption:
            return
        from pemdesk.photos.library import set_caption

        pid, text = chosen[0].id, self.caption.text()
        self.ops.write(
            lambda store: set_caption(store, pid, text), on_failure=lambda e: show_error(self, e)
        )

    def _keep(self, dialog: Any) -> None:
        self._dialogs = [d for d in self._dialogs if d.isVisible()]
        self._dialogs.append(dialog)
