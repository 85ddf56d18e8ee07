"""Enrol this computer with the aimag centre's sync server: server address, one-time code and the
server certificate's fingerprint (or the text of the enrolment QR code pasted into the code)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from pemdesk.errors import PemdeskError
from pemdesk.i18n import _, get_language
from pemdesk.ui.sync import jobs
from pemdesk.ui.sync.worker import Job


class EnrolDialog(QDialog):
    def __init__(self, data_dir: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.data_dir = data_dir
        self.result_info: dict[str, Any] | None = None
        self.setWindowTitle(_("Enrol this computer"))
        self.setMinimumWidth(460)
        self.server = QLineEdit()
        self.server.setPlaceholderText("https://10.0.0.5:8470")
        self.code = QLineEdit()
        self.code.setPlaceholderText("ABCD-EFGH-JKMN")
        self.code.textChanged.connect(self._maybe_qr)
        self.fingerprint = QLineEdit()
        self.fingerprint.setPlaceholderText("AB:CD:…")
        self.insecure = QCheckBox(_("Allow an unencrypted connection (http://)"))
        self.name = QLineEdit()
        intro = QLabel(_("Ask the aimag coordinator for the server address and a one-time code."))
        intro.setWordWrap(True)
        form = QFormLayout()
        form.addRow(_("Server address"), self.server)
        form.addRow(_("One-time code"), self.code)
        form.addRow(_("Certificate fingerprint"), self.fingerprint)
        form.addRow(_("Name of this computer"), self.name)
        form.addRow("", self.insecure)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(_("Enrol"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(_("Cancel"))
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.job: Job | None = None

    def _maybe_qr(self, text: str) -> None:
        """The enrolment QR's text pasted into the code field fills in all three."""
        from pemdesk.sync.client import parse_enrolment

        if not text.strip().startswith("{"):
            return
        try:
            given = parse_enrolment(text)
        except PemdeskError:
            return
        self.code.blockSignals(True)
        self.code.setText(given["code"])
        self.code.blockSignals(False)
        if given.get("server"):
            self.server.setText(given["server"])
        if given.get("tls"):
            self.fingerprint.setText(given["tls"])

    def submit(self) -> None:
        server, code = self.server.text().strip(), self.code.text().strip()
        if not server.startswith(("http://", "https://")):
            self.message.setText(_("Enter the server address, starting with http:// or https://."))
            return
        if not code:
            self.message.setText(_("Enter the one-time code."))
            return
        self.buttons.setEnabled(False)
        self.message.setText(_("Connecting…"))
        name, fingerprint = self.name.text(), self.fingerprint.text()
        insecure = self.insecure.isChecked()
        self.job = Job(
            lambda: jobs.enrol(self.data_dir, server, code, name, fingerprint, insecure), self
        )
        self.job.finished.connect(self._done)
        self.job.failed.connect(self._failed)
        self.job.start()

    def _done(self, info: dict[str, Any]) -> None:
        self.result_info = info
        self.message.setText(
            _("Enrolled as {monitor} ({role}).").format(
                monitor=info.get("monitor_name", ""), role=info.get("role", "")
            )
        )
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.buttons.setEnabled(True)
        if isinstance(exc, PemdeskError):
            self.message.setText(exc.message(get_language()))
        else:
            from pemdesk.ui.errors import show_error

            self.message.setText("")
            show_error(self, exc)
