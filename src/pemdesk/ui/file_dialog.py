"""Qt's file dialog with its file list in Mongolian too.

The dialog's own words come from ``qt.po`` (see ``qt_translator``), but three columns of its file
list do not pass through Qt's translator: the type is the MIME database's English comment ("JPEG
raster data"), the size uses English units ("676 bytes", "2.93 KiB") and the date the system
locale's format. ``FileListTexts`` is a proxy over the dialog's file system model that writes
those three in the program's language; ``install()`` makes ``QFileDialog``'s static functions
(``getOpenFileName`` and the rest, which the whole program uses) build their dialog with it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from PySide6.QtCore import (
    QDateTime,
    QEvent,
    QFileInfo,
    QIdentityProxyModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtWidgets import QApplication, QDialog, QFileDialog, QFileSystemModel, QWidget

from pemdesk import i18n
from pemdesk.i18n import _
from pemdesk.labels import N_

SIZE, TYPE, DATE = 1, 2, 3  # QFileSystemModel's columns after the name
FILE_TYPES = {  # suffix -> what the file is, in words
    "jpg": N_("JPEG photo"), "jpeg": N_("JPEG photo"), "png": N_("PNG image"),
    "heic": N_("HEIC photo"), "heif": N_("HEIC photo"), "tif": N_("TIFF image"),
    "tiff": N_("TIFF image"), "pdf": N_("PDF document"), "csv": N_("CSV table"),
    "xlsx": N_("Spreadsheet"), "xls": N_("Spreadsheet"), "ods": N_("Spreadsheet"),
    "txt": N_("Text file"), "json": N_("JSON data"), "geojson": N_("GeoJSON map data"),
    "gpx": N_("GPX track"), "kml": N_("KML map data"), "kmz": N_("KML map data"),
    "shp": N_("Shapefile"), "gpkg": N_("GeoPackage"), "zip": N_("ZIP archive"),
    "pemsync": N_("pemdesk sync bundle"), "mbtiles": N_("MBTiles basemap"),
}  # fmt: skip
UNITS = (N_("bytes"), N_("KB"), N_("MB"), N_("GB"), N_("TB"))


def size_text(size: int) -> str:
    value, unit = float(size), 0
    while value >= 1024 and unit < len(UNITS) - 1:
        value, unit = value / 1024, unit + 1
    number = f"{int(value)}" if unit == 0 else i18n.format_number(value, 1)
    return f"{number} {_(UNITS[unit])}"


def type_text(info: QFileInfo) -> str:
    suffix = info.suffix().lower()
    if suffix in FILE_TYPES:
        return _(FILE_TYPES[suffix])
    return _("{suffix} file").format(suffix=suffix.upper()) if suffix else _("File")


class FileListTexts(QIdentityProxyModel):
    """Size, type and date of the file list in the program's language (English: Qt's own)."""

    def data(  # type: ignore[override]
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        source = self.sourceModel()
        column = index.column()
        if (role != Qt.ItemDataRole.DisplayRole or column not in (SIZE, TYPE, DATE)
                or i18n.get_language() == "en" or not isinstance(source, QFileSystemModel)):  # fmt: skip
            return super().data(index, role)
        source_index = self.mapToSource(index)
        info = source.fileInfo(source_index)
        if column == DATE:
            when: QDateTime = info.lastModified()
            if not when.isValid():
                return ""
            return i18n.format_datetime(datetime.fromtimestamp(when.toSecsSinceEpoch()))
        if info.isDir():
            return super().data(index, role)  # "Хавтас" (qt.po), no size
        return size_text(info.size()) if column == SIZE else type_text(info)


def make_dialog(
    parent: QWidget | None, caption: str, directory: str, name_filter: str, options: Any
) -> QFileDialog:
    dialog = QFileDialog(parent, caption, directory, name_filter)
    if options:
        dialog.setOptions(options)
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)  # ours can be translated
    dialog.setProxyModel(FileListTexts(dialog))
    return dialog


def _open_one(parent: QWidget | None = None, caption: str = "", dir: str = "",  # noqa: A002
              filter: str = "", selectedFilter: str = "", options: Any = None,  # noqa: A002, N803
              ) -> tuple[str, str]:  # fmt: skip
    dialog = make_dialog(parent, caption, dir, filter, options)
    dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
    return _run(dialog, selectedFilter, many=False)  # type: ignore[return-value]


def _open_many(parent: QWidget | None = None, caption: str = "", dir: str = "",  # noqa: A002
               filter: str = "", selectedFilter: str = "", options: Any = None,  # noqa: A002, N803
               ) -> tuple[list[str], str]:  # fmt: skip
    dialog = make_dialog(parent, caption, dir, filter, options)
    dialog.setFileMode(QFileDialog.FileMode.ExistingFiles)
    return _run(dialog, selectedFilter, many=True)  # type: ignore[return-value]


def _save(parent: QWidget | None = None, caption: str = "", dir: str = "",  # noqa: A002
          filter: str = "", selectedFilter: str = "", options: Any = None,  # noqa: A002, N803
          ) -> tuple[str, str]:  # fmt: skip
    dialog = make_dialog(parent, caption, dir, filter, options)
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    dialog.setFileMode(QFileDialog.FileMode.AnyFile)
    return _run(dialog, selectedFilter, many=False)  # type: ignore[return-value]


def _directory(parent: QWidget | None = None, caption: str = "", dir: str = "",  # noqa: A002
               options: Any = None) -> str:  # fmt: skip
    dialog = make_dialog(parent, caption, dir, "", options)
    dialog.setFileMode(QFileDialog.FileMode.Directory)
    dialog.setOption(QFileDialog.Option.ShowDirsOnly, True)
    files, _filter = _run(dialog, "", many=False)
    return str(files)


def _run(dialog: QFileDialog, selected_filter: str, many: bool) -> tuple[str | list[str], str]:
    if selected_filter:
        dialog.selectNameFilter(selected_filter)
    try:
        if dialog.exec() != QFileDialog.DialogCode.Accepted:
            return ([] if many else ""), ""
        files = dialog.selectedFiles()
        return (files if many else (files[0] if files else "")), dialog.selectedNameFilter()
    finally:
        dialog.deleteLater()


class _TranslateFileLists(QObject):
    """While a dialog of Qt's own is open (the print dialog), file dialogs Qt opens from C++
    (its "…" for printing to a file) get the translated file list too."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if (event.type() == QEvent.Type.Show and isinstance(watched, QFileDialog)
                and not isinstance(watched.proxyModel(), FileListTexts)):  # fmt: skip
            watched.setProxyModel(FileListTexts(watched))
        return False


def translate_file_lists_while_open(dialog: QDialog) -> None:
    """Call before ``dialog.exec()``; the filter goes when the dialog finishes."""
    app = QApplication.instance()
    if app is None:
        return
    watcher = _TranslateFileLists(dialog)
    app.installEventFilter(watcher)
    dialog.finished.connect(lambda _result: app.removeEventFilter(watcher))


def install() -> None:
    """Route ``QFileDialog.getOpenFileName`` and the rest through ``make_dialog`` (idempotent)."""
    QFileDialog.getOpenFileName = staticmethod(_open_one)  # type: ignore[method-assign,assignment]
    QFileDialog.getOpenFileNames = staticmethod(_open_many)  # type: ignore[method-assign,assignment]
    QFileDialog.getSaveFileName = staticmethod(_save)  # type: ignore[method-assign,assignment]
    QFileDialog.getExistingDirectory = staticmethod(_directory)  # type: ignore[method-assign,assignment]
