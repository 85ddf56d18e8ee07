"""The photo import dialog: pick files or a folder (a camera card), import with progress and
cancel, then a summary that names every file with its result.

The import runs on a thread of its own with its own database connection (SQLite WAL lets the
program's database worker keep reading meanwhile); the dialog polls a ``Progress`` on a timer.
"""

from __future__ import annotations

import threading
from datetime import timedelta, timezone
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from pemdesk import i18n
from pemdesk.i18n import _
from pemdesk.photos.importer import ImportOptions, ImportSummary
from pemdesk.progress import Progress

PHOTO_PATTERNS = "*.jpg *.jpeg *.JPG *.JPEG *.heic *.HEIC *.heif *.png *.PNG"


def photo_filter() -> str:
    """The file dialog's filter, named in the current language."""
    return _("Photos ({patterns})").format(patterns=PHOTO_PATTERNS)


def _lower_thread_priority() -> None:
    """Background work yields the CPU to the GUI thread (Linux: nice is per thread, and the
    threads this one starts inherit it). Elsewhere a no-op."""
    import contextlib
    import os

    if hasattr(os, "setpriority") and hasattr(threading, "get_native_id"):
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)


class ImportJob(QObject):
    """One import on a background thread; ``finished`` arrives on the GUI thread."""

    finished = Signal(object)  # ImportSummary
    failed = Signal(object)  # exception

    def __init__(self, data_dir: Path, paths: list[Path], options: ImportOptions) -> None:
        super().__init__()
        self.data_dir = Path(data_dir)
        self.paths = paths
        self.options = options
        self.progress = Progress()
        self.previews = Progress()  # the background previews after the import
        self._thread = threading.Thread(target=self._run, name="pemdesk-photo-import", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def cancel(self) -> None:
        self.progress.cancel()
        self.previews.cancel()

    def wait(self, timeout: float | None = None) -> None:
        self._thread.join(timeout)

    def _run(self) -> None:
        _lower_thread_priority()
        from pemdesk.errors import PemdeskError
        from pemdesk.photos import import_photos
        from pemdesk.photos.library import make_missing_previews
        from pemdesk.storage import Store

        try:
            with Store.open(self.data_dir) as store:
                summary = import_photos(store, self.paths, self.options, self.progress)
                self.finished.emit(summary)
                # Then, in the background, the ~1280 px previews the viewer and reports use.
                if not summary.cancelled:
                    make_missing_previews(store, self.previews)
        except PemdeskError as exc:  # includes Interrupted (the dialog was closed)
            if not self.progress.cancelled and not self.previews.cancelled:
                self.failed.emit(exc)
        except BaseException as exc:  # shown by the dialog on the GUI thread
            self.failed.emit(exc)


class PhotoImportDialog(QDialog):
    """Import photos into the data folder, optionally straight into one (draft) visit."""

    imported = Signal(object)  # ImportSummary, after a (possibly cancelled) import

    def __init__(
        self,
        data_dir: Path,
        *,
        visit_id: str | None = None,
        paths: list[Path] | None = None,
        ops: Any = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.data_dir = Path(data_dir)
        self.visit_id = visit_id
        self.ops = ops
        self.job: ImportJob | None = None
        self._background: ImportJob | None = None
        self.summary: ImportSummary | None = None
        self.track_path: Path | None = None
        self.setWindowTitle(_("Import photos"))
        self.resize(760, 520)
        layout = QVBoxLayout(self)

        self.sources = QListWidget()
        self.sources.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        buttons = QHBoxLayout()
        self.add_files_button = QPushButton(_("Add photos…"))
        self.add_files_button.clicked.connect(self._add_files)
        self.add_folder_button = QPushButton(_("Add a folder or camera card…"))
        self.add_folder_button.clicked.connect(self._add_folder)
        buttons.addWidget(self.add_files_button)
        buttons.addWidget(self.add_folder_button)
        buttons.addStretch(1)
        layout.addWidget(QLabel(_("Files and folders to import:")))
        layout.addWidget(self.sources, 1)
        layout.addLayout(buttons)

        form = QFormLayout()
        self.camera_tz = QDoubleSpinBox()
        self.camera_tz.setRange(-12, 14)
        self.camera_tz.setDecimals(1)
        self.camera_tz.setSingleStep(0.5)
        self.camera_tz.setValue(8.0)
        self.camera_tz.setSuffix(" " + _("h (UTC)"))  # hours from UTC
        form.addRow(_("Camera time zone (when the photo has none)"), self.camera_tz)
        track_row = QHBoxLayout()
        self.track_label = QLabel(_("none"))
        self.track_button = QPushButton(_("GPX track…"))
        self.track_button.clicked.connect(self._choose_track)
        track_row.addWidget(self.track_label, 1)
        track_row.addWidget(self.track_button)
        form.addRow(_("Place photos without GPS on a track"), track_row)
        self.clock_offset = QSpinBox()
        self.clock_offset.setRange(-86400, 86400)
        self.clock_offset.setSuffix(" " + _("s"))  # seconds
        offset_row = QHBoxLayout()
        offset_row.addWidget(self.clock_offset, 1)
        self.screen_button = QPushButton(_("From a photo of a GPS screen…"))
        self.screen_button.clicked.connect(self._offset_from_screen)
        offset_row.addWidget(self.screen_button)
        form.addRow(_("Camera clock offset (added to the camera's time)"), offset_row)
        layout.addLayout(form)

        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, 1)
        self.progress_bar.setValue(0)
        self.status = QLabel("")
        layout.addWidget(self.progress_bar)
        layout.addWidget(self.status)

        self.results = QTableWidget(0, 3)
        self.results.setHorizontalHeaderLabels([_("Result"), _("File"), _("Message")])
        self.results.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.results.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.results.hide()
        layout.addWidget(self.results, 2)

        self.button_box = QDialogButtonBox()
        self.import_button = self.button_box.addButton(
            _("Import"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.cancel_button = self.button_box.addButton(
            _("Cancel"), QDialogButtonBox.ButtonRole.RejectRole
        )
        self.import_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self._cancel_or_close)
        layout.addWidget(self.button_box)

        self._timer = QTimer(self, interval=100)
        self._timer.timeout.connect(self._poll)
        for path in paths or []:
            self.add_path(Path(path))
        self._update_buttons()

    # --- choosing --------------------------------------------------------------------------
    def add_path(self, path: Path) -> None:
        self.sources.addItem(str(path))
        self._update_buttons()

    def paths(self) -> list[Path]:
        return [Path(self.sources.item(i).text()) for i in range(self.sources.count())]

    def _add_files(self) -> None:
        files, _filter = QFileDialog.getOpenFileNames(self, _("Add photos…"), "", photo_filter())
        for f in files:
            self.add_path(Path(f))

    def _add_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, _("Add a folder or camera card…"))
        if folder:
            self.add_path(Path(folder))

    def _choose_track(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(self, _("GPX track…"), "", "GPX (*.gpx *.GPX)")
        if path:
            self.set_track(Path(path))

    def _offset_from_screen(self) -> None:
        from PySide6.QtWidgets import QInputDialog

        path, _filter = QFileDialog.getOpenFileName(
            self, _("From a photo of a GPS screen…"), "", photo_filter()
        )
        if not path:
            return
        shown, ok = QInputDialog.getText(
            self, _("From a photo of a GPS screen…"), _("Time shown on the screen (HH:MM:SS):")
        )
        if ok and shown:
            self.set_offset_from_screen(Path(path), shown)

    def set_offset_from_screen(self, photo: Path, shown: str) -> None:
        """Work the clock offset out from a photo of a GPS screen and the time it shows."""
        from pemdesk.photos.geotag import offset_from_screen_photo

        try:
            offset = offset_from_screen_photo(photo, shown)
        except Exception as exc:  # its sentence, then nothing changes
            from pemdesk.ui.errors import show_error

            show_error(self, exc)
            return
        self.clock_offset.setValue(int(round(offset.total_seconds())))

    def set_track(self, path: Path | None) -> None:
        self.track_path = path
        self.track_label.setText(path.name if path else _("none"))

    def options(self) -> ImportOptions:
        from pemdesk.photos.geotag import Track

        hours = self.camera_tz.value()
        return ImportOptions(
            visit_id=self.visit_id,
            camera_tz=timezone(timedelta(hours=hours)),
            track=Track.from_gpx(self.track_path) if self.track_path else None,
            clock_offset=timedelta(seconds=self.clock_offset.value()),
        )

    # --- running ---------------------------------------------------------------------------
    def start(self) -> None:
        if self.job is not None or not self.paths():
            return
        try:
            options = self.options()
        except Exception as exc:  # e.g. a broken GPX file: its sentence, then nothing happens
            from pemdesk.ui.errors import show_error

            show_error(self, exc)
            return
        self.job = ImportJob(self.data_dir, self.paths(), options)
        self.job.finished.connect(self._finished, Qt.ConnectionType.QueuedConnection)
        self.job.failed.connect(self._failed, Qt.ConnectionType.QueuedConnection)
        self.progress_bar.setRange(0, 0)
        self.job.start()
        self._timer.start()
        self._update_buttons()

    def _poll(self) -> None:
        if self.job is None:
            return
        p = self.job.progress
        if p.total:
            self.progress_bar.setRange(0, p.total)
            self.progress_bar.setValue(p.done)
        self.status.setText(
            _("{done} of {total}: {name}").format(done=p.done, total=p.total, name=p.label)
        )

    def _cancel_or_close(self) -> None:
        if self.job is not None:
            self.job.cancel()
            self.status.setText(_("Cancelling…"))
        else:
            self.reject()

    def _finished(self, summary: ImportSummary) -> None:
        self._timer.stop()
        self._background = self.job  # still making previews; stopped when the dialog closes
        self.job = None
        self.summary = summary
        self.progress_bar.setRange(0, max(1, len(summary.files)))
        self.progress_bar.setValue(len(summary.files))
        self._show_summary(summary)
        self._update_buttons()
        if self.ops is not None:
            self.ops.changed.emit()  # the import wrote through its own connection
        self.imported.emit(summary)

    def _failed(self, exc: BaseException) -> None:
        from pemdesk.ui.errors import show_error

        self._timer.stop()
        self.job = None
        self.progress_bar.setRange(0, 1)
        self._update_buttons()
        show_error(self, exc)

    def _show_summary(self, summary: ImportSummary) -> None:
        lang = i18n.get_language()
        names = {"imported": _("imported"), "duplicate": _("duplicate"), "error": _("error")}
        self.results.setRowCount(len(summary.files))
        for row, f in enumerate(summary.files):
            texts = (names[f.status], Path(f.path).name, f.message(lang))
            tips = (names[f.status], f.path, f.message(lang))
            for col, (text, tip) in enumerate(zip(texts, tips, strict=True)):
                item = QTableWidgetItem(text)
                item.setToolTip(tip)
                self.results.setItem(row, col, item)
        self.results.resizeColumnToContents(0)
        self.results.resizeColumnToContents(1)
        self.results.show()
        text = _("{imported} imported, {duplicates} already there, {errors} not imported.").format(
            imported=summary.imported,
            duplicates=summary.count("duplicate"),
            errors=summary.count("error"),
        )
        if summary.cancelled:
            text = _("Cancelled.") + " " + text
        self.status.setText(text)

    def _update_buttons(self) -> None:
        running = self.job is not None
        self.import_button.setEnabled(not running and bool(self.paths()) and self.summary is None)
        self.cancel_button.setText(_("Cancel") if running or self.summary is None else _("Close"))
        for w in (
            self.add_files_button,
            self.add_folder_button,
            self.track_button,
            self.screen_button,
        ):
            w.setEnabled(not running and self.summary is None)

    def done(self, result: int) -> None:  # closing while importing cancels it first
        for job in (self.job, self._background):
            if job is not None:
                job.cancel()
                job.wait(30)
        super().done(result)
