"""Full-size view of one photo: the upright preview (or the original on request), rotated for
viewing only (the original is evidence and is never changed), with its metadata."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPixmap, QTransform
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from pemdesk import model
from pemdesk.i18n import _, format_datetime
from pemdesk.ui.errors import show_error


def load_preview(store: Any, photo: model.Photo, original: bool = False) -> QImage:
    """Runs on the database worker: decode the preview (or the upright original) off the GUI."""
    from pemdesk.photos.library import original_path, preview_path

    if original:
        from PIL import Image

        from pemdesk.photos.files import register_heif, upright

        register_heif()
        with Image.open(original_path(store, photo)) as opened:
            im = upright(opened.convert("RGB"), photo.orientation)
            data = im.tobytes()
            image = QImage(data, im.width, im.height, im.width * 3, QImage.Format.Format_RGB888)
            return image.copy()  # own the pixels: ``data`` goes away
    path = preview_path(store, photo)
    return QImage(str(path)) if path is not None else QImage()


def original_state(store: Any, photo: model.Photo) -> tuple[bool, bool, Path]:
    """Runs on the database worker: is the original on this computer, is the computer enrolled
    for sync, and its data folder."""
    from pemdesk.photos.library import original_path

    return (original_path(store, photo).exists(), bool(store.meta("sync.device_id")),
            Path(store.data_dir))


class PhotoViewer(QDialog):
    def __init__(self, ops: Any, photo: model.Photo, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ops = ops
        self.photo = photo
        self.rotation = 0  # degrees, for viewing only
        self.image = QImage()
        self.setWindowTitle(photo.caption or photo.original_name or _("Photo"))
        self.resize(1000, 760)
        layout = QVBoxLayout(self)
        self.picture = QLabel(_("Loading…"))
        self.picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.picture)
        layout.addWidget(scroll, 1)
        self.info = QLabel(self._info_text())
        self.info.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.info.setWordWrap(True)
        layout.addWidget(self.info)
        bar = QHBoxLayout()
        self.left_button = QPushButton(_("Rotate left"))
        self.left_button.clicked.connect(lambda: self.rotate(-90))
        self.right_button = QPushButton(_("Rotate right"))
        self.right_button.clicked.connect(lambda: self.rotate(90))
        self.original_button = QPushButton(_("Show the original"))
        self.original_button.clicked.connect(lambda: self._load(original=True))
        # Another monitor's photo: its original stays on the server until asked for.
        self.download_button = QPushButton(_("Download the original"))
        self.download_button.setToolTip(_("Fetch the full-size original of this photo from the "
                                          "sync server (it may be several megabytes)."))
        self.download_button.clicked.connect(self.download_original)
        self.download_button.hide()
        self.download_dialog: Any = None
        self.data_dir: Path | None = None
        close = QPushButton(_("Close"))
        close.clicked.connect(self.accept)
        for b in (self.left_button, self.right_button, self.original_button,
                  self.download_button):
            bar.addWidget(b)
        bar.addStretch(1)
        bar.addWidget(close)
        layout.addLayout(bar)
        self._load()
        self.ops.run(lambda store: original_state(store, photo), self._show_original_state)

    def _info_text(self) -> str:
        p = self.photo
        parts = [format_datetime(p.taken_at) if p.taken_at else _("no time")]
        if p.lat is not None and p.lon is not None:
            parts.append(f"{p.lat:.6f}, {p.lon:.6f}")
        if p.bearing is not None:
            parts.append(_("bearing {deg}°").format(deg=f"{p.bearing:.0f}"))
        if p.altitude_m is not None:
            parts.append(f"{p.altitude_m:.0f} m")
        parts.append(f"{p.width}×{p.height}")
        parts.append(f"SHA-256 {p.sha256}")
        return "  ·  ".join(parts)

    def _load(self, original: bool = False) -> None:
        photo = self.photo
        self.ops.run(
            lambda store: load_preview(store, photo, original),
            self._show,
            lambda e: show_error(self, e) if shiboken6.isValid(self) else None,
        )

    def _show_original_state(self, state: tuple[bool, bool, Path]) -> None:
        if not shiboken6.isValid(self):
            return
        present, enrolled, self.data_dir = state
        self.original_button.setEnabled(present)
        self.download_button.setVisible(not present and enrolled)

    def download_original(self) -> Any:
        """Download the original through the sync client (progress and Cancel), then show it."""
        from pemdesk.ui.sync import jobs
        from pemdesk.ui.sync.sync_dialog import SyncDialog

        data_dir, sha = self.data_dir, self.photo.sha256
        if data_dir is None:
            return None
        dialog = SyncDialog(_("Download the original"),
                            lambda progress: jobs.download_original(data_dir, sha, progress),
                            self, lambda _path: _("The original is on this computer now."))
        dialog.job.finished.connect(self._downloaded)
        self.download_dialog = dialog
        dialog.show()
        dialog.start()
        return dialog

    def _downloaded(self, _path: Any) -> None:
        if not shiboken6.isValid(self):
            return
        self.download_button.hide()
        self.original_button.setEnabled(True)
        self._load(original=True)

    def _show(self, image: QImage) -> None:
        if not shiboken6.isValid(self):
            return
        self.image = image
        if image.isNull():
            self.picture.setText(_("The photo's file is not on this device."))
            return
        self._render()

    def rotate(self, degrees: int) -> None:
        self.rotation = (self.rotation + degrees) % 360
        self._render()

    def _render(self) -> None:
        if self.image.isNull():
            return
        pixmap = QPixmap.fromImage(self.image)
        if self.rotation:
            pixmap = pixmap.transformed(
                QTransform().rotate(self.rotation), Qt.TransformationMode.SmoothTransformation
            )
        parent = self.picture.parentWidget()
        area = parent.size() if parent is not None else self.size()
        if pixmap.width() > area.width() or pixmap.height() > area.height():
            pixmap = pixmap.scaled(
                area, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
            )
        self.picture.setPixmap(pixmap)
