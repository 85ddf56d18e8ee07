"""Repeat photography at a photo point: the photos taken there, side by side by year — how
rehabilitation is judged over time."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QDialog, QGridLayout, QLabel, QScrollArea, QVBoxLayout, QWidget

from pemdesk import model
from pemdesk.i18n import _, format_date
from pemdesk.ui.errors import show_error

CELL = 360


@dataclass
class SeriesData:
    point: model.PhotoPoint
    years: list[tuple[int, list[tuple[model.Photo, QImage]]]]


def load_series(store: Any, photo_point_id: str) -> SeriesData:
    """Runs on the database worker: each year's photos with their previews decoded."""
    from pemdesk.photos.library import photo_point_series, preview_path

    point = store.get(model.PhotoPoint, photo_point_id)
    years = []
    for year, photos in photo_point_series(store, photo_point_id):
        row = []
        for photo in photos:
            path = preview_path(store, photo)
            image = QImage(str(path)) if path else QImage()
            if not image.isNull():
                image = image.scaled(
                    CELL,
                    CELL,
                    Qt.AspectRatioMode.KeepAspectRatio,
                    Qt.TransformationMode.SmoothTransformation,
                )
            row.append((photo, image))
        years.append((year, row))
    return SeriesData(point, years)


class PhotoPointCompare(QDialog):
    def __init__(self, ops: Any, photo_point_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ops = ops
        self.photo_point_id = photo_point_id
        self.data: SeriesData | None = None
        self.setWindowTitle(_("Photo point by year"))
        self.resize(1200, 560)
        layout = QVBoxLayout(self)
        self.title = QLabel(_("Loading…"))
        layout.addWidget(self.title)
        self.grid_host = QWidget()
        self.grid = QGridLayout(self.grid_host)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.grid_host)
        layout.addWidget(scroll, 1)
        ops.run(
            lambda store: load_series(store, photo_point_id),
            self._show,
            lambda e: show_error(self, e) if shiboken6.isValid(self) else None,
        )

    def _show(self, data: SeriesData) -> None:
        if not shiboken6.isValid(self):
            return
        self.data = data
        p = data.point
        bearing = "" if p.bearing is None else "  ↑" + f"{p.bearing:.0f}°"
        self.title.setText(f"{p.name}  ·  {p.lat:.5f}, {p.lon:.5f}{bearing}")
        if not data.years:
            self.grid.addWidget(QLabel(_("No photos at this photo point yet.")), 0, 0)
            return
        # One column per year, oldest on the left; each year's photos under it.
        for col, (year, photos) in enumerate(data.years):
            head = QLabel(f"<b>{year}</b>")
            head.setAlignment(Qt.AlignmentFlag.AlignCenter)
            self.grid.addWidget(head, 0, col)
            for row, (photo, image) in enumerate(photos, start=1):
                cell = QLabel()
                cell.setAlignment(Qt.AlignmentFlag.AlignCenter)
                if image.isNull():
                    cell.setText(_("The photo's file is not on this device."))
                else:
                    cell.setPixmap(QPixmap.fromImage(image))
                cell.setToolTip(photo.caption or photo.original_name)
                self.grid.addWidget(cell, 2 * row - 1, col)
                caption = QLabel(
                    format_date(photo.taken_at) + (f" · {photo.caption}" if photo.caption else "")
                )
                caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
                self.grid.addWidget(caption, 2 * row, col)
