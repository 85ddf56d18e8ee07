"""Report preview inside the program: pages drawn from the PDF (pypdfium2), print, save.

The PDF is made on the database thread (``ops.run``); pages are rasterised here on the GUI
thread, a page at a time as they are shown, at the window's resolution.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QStandardPaths, Qt, QTimer
from PySide6.QtGui import QImage, QPainter, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from pemdesk import i18n
from pemdesk.i18n import _
from pemdesk.ui.errors import show_error
from pemdesk.ui.reports.jobs import ReportRequest

PREVIEW_DPI = 96


def page_images(pdf: bytes, dpi: float = PREVIEW_DPI) -> list[QImage]:
    """Every page of a PDF as a QImage (white background)."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf)
    try:
        images = []
        for index in range(len(doc)):
            page = doc[index]
            bitmap = page.render(scale=dpi / 72, rev_byteorder=True)
            pil = bitmap.to_pil().convert("RGB")
            data = pil.tobytes("raw", "RGB")
            image = QImage(data, pil.width, pil.height, pil.width * 3, QImage.Format.Format_RGB888)
            images.append(image.copy())  # own the pixels: ``data`` goes away
            page.close()
        return images
    finally:
        doc.close()


def print_pdf(pdf: bytes, printer: Any, dpi: float = 300) -> int:
    """Paint the PDF's pages on a QPrinter, each scaled to the printable page; returns pages."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf)
    painter = QPainter()
    if not painter.begin(printer):
        doc.close()
        raise OSError("the printer could not be started")
    try:
        count = len(doc)
        for index in range(count):
            if index:
                printer.newPage()
            page = doc[index]
            pil = page.render(scale=dpi / 72, rev_byteorder=True).to_pil().convert("RGB")
            image = QImage(pil.tobytes("raw", "RGB"), pil.width, pil.height, pil.width * 3,
                           QImage.Format.Format_RGB888).copy()  # fmt: skip
            target = painter.viewport()
            scaled = image.size().scaled(target.size(), Qt.AspectRatioMode.KeepAspectRatio)
            painter.drawImage(target.x(), target.y(), image.scaled(
                scaled, Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation))  # fmt: skip
            page.close()
        return count
    finally:
        painter.end()
        doc.close()


class ReportPreview(QDialog):
    """Shows one report; the language and the public copy can be switched; print and save."""

    def __init__(self, ops: Any, request: ReportRequest, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ops = ops
        self.request = request
        self.pdf: bytes | None = None
        self.images: list[QImage] = []
        self._generation = 0
        self.setWindowTitle(_(request.title))
        self.resize(860, 960)

        self.lang = QComboBox()
        self.lang.addItem("Монгол", "mn")
        self.lang.addItem("English", "en")
        self.lang.setCurrentIndex(0 if i18n.get_language() == "mn" else 1)
        self.public = QCheckBox(_("Public copy (roles instead of names, no phone numbers)"))
        self.public.setVisible(request.supports_public)
        self.zoom = QComboBox()
        for percent in (50, 75, 100, 125, 150):
            self.zoom.addItem(f"{percent} %", percent)
        self.zoom.setCurrentIndex(2)
        self.status = QLabel(_("Making the report…"))
        self.print_button = QPushButton(_("Print…"))
        self.save_button = QPushButton(_("Save as PDF…"))
        close = QPushButton(_("Close"))
        for button in (self.print_button, self.save_button):
            button.setEnabled(False)

        bar = QHBoxLayout()
        bar.addWidget(QLabel(_("Language:")))
        bar.addWidget(self.lang)
        bar.addWidget(self.public)
        bar.addStretch(1)
        bar.addWidget(QLabel(_("Zoom:")))
        bar.addWidget(self.zoom)
        bar.addWidget(self.print_button)
        bar.addWidget(self.save_button)
        bar.addWidget(close)

        self.pages = QWidget()
        self.pages_layout = QVBoxLayout(self.pages)
        self.pages_layout.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.pages.setStyleSheet("background: #7a7f85;")
        self.scroll_area = QScrollArea()
        self.scroll_area.setWidget(self.pages)
        self.scroll_area.setWidgetResizable(True)

        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.scroll_area, 1)
        layout.addWidget(self.status)

        self.lang.currentIndexChanged.connect(self.regenerate)
        self.public.toggled.connect(self.regenerate)
        self.zoom.currentIndexChanged.connect(self._show_pages)
        self.print_button.clicked.connect(self.print_dialog)
        self.save_button.clicked.connect(self.save_dialog)
        close.clicked.connect(self.accept)
        QTimer.singleShot(0, self.regenerate)

    @property
    def report_lang(self) -> str:
        return str(self.lang.currentData())

    def regenerate(self) -> None:
        self._generation += 1
        generation = self._generation
        lang, public = self.report_lang, self.public.isChecked()
        self.status.setText(_("Making the report…"))
        for button in (self.print_button, self.save_button):
            button.setEnabled(False)
        request = self.request

        def make(store: Any) -> tuple[bytes, str]:
            return request.make(store, lang, public), request.suggested_name(store, lang, public)

        def done(result: tuple[bytes, str]) -> None:
            if generation != self._generation:
                return  # an older request finished after a newer one was asked for
            self.pdf, self.suggested_name = result
            self.images = page_images(self.pdf)
            self._show_pages()
            self.status.setText(_("{pages} pages, {kb} kB").format(
                pages=len(self.images), kb=len(self.pdf) // 1024))  # fmt: skip
            for button in (self.print_button, self.save_button):
                button.setEnabled(True)

        def failed(exc: BaseException) -> None:
            self.status.setText(_("The report could not be made."))
            show_error(self, exc)

        self.ops.run(make, done, failed)

    def _show_pages(self) -> None:
        while self.pages_layout.count():
            item = self.pages_layout.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        factor = int(self.zoom.currentData()) / 100
        for image in self.images:
            label = QLabel()
            pixmap = QPixmap.fromImage(image)
            if factor != 1:
                pixmap = pixmap.scaledToWidth(int(image.width() * factor),
                                              Qt.TransformationMode.SmoothTransformation)
            label.setPixmap(pixmap)
            label.setStyleSheet("background: white;")
            self.pages_layout.addWidget(label)

    def save_to(self, path: Path) -> Path:
        assert self.pdf is not None
        partial = path.with_name(path.name + ".partial")
        partial.write_bytes(self.pdf)
        partial.replace(path)
        return path

    def save_dialog(self) -> None:
        folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        name, _filter = QFileDialog.getSaveFileName(
            self, _("Save report"), str(Path(folder) / self.suggested_name), "PDF (*.pdf)")
        if not name:
            return
        path = Path(name if name.lower().endswith(".pdf") else name + ".pdf")
        try:
            self.save_to(path)
        except OSError as exc:
            show_error(self, exc)
            return
        self.status.setText(_("Saved: {path}").format(path=path))

    def print_dialog(self) -> None:
        from PySide6.QtPrintSupport import QPrintDialog, QPrinter

        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setDocName(self.suggested_name)
        dialog = QPrintDialog(printer, self)
        from pemdesk.ui.file_dialog import translate_file_lists_while_open

        translate_file_lists_while_open(dialog)  # its "…" opens Qt's file dialog from C++
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        self.print_to(printer)

    def print_to(self, printer: Any) -> int:
        assert self.pdf is not None
        try:
            pages = print_pdf(self.pdf, printer)
        except OSError as exc:
            show_error(self, exc)
            return 0
        self.status.setText(_("Sent {pages} pages to the printer.").format(pages=pages))
        return pages
