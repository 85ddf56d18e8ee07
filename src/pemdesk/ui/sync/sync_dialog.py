"""The sync dialog: records, photos, bytes, speed and time left; Cancel; a calm "no connection".

The transfer runs in a ``Job`` (its own thread); the dialog polls the ``SyncProgress`` on a timer.
Also used for bundle export and import, which report through the same progress value.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from pemdesk.errors import Interrupted, Offline, PemdeskError
from pemdesk.i18n import _, get_language
from pemdesk.sync.sync_progress import SyncProgress
from pemdesk.ui.sync.worker import Job


def human_bytes(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GB"  # pragma: no cover


def human_duration(seconds: float) -> str:
    seconds = int(round(seconds))
    if seconds < 60:
        return _("{n} s").format(n=seconds)
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return _("{m} min {s} s").format(m=minutes, s=seconds)
    hours, minutes = divmod(minutes, 60)
    return _("{h} h {m} min").format(h=hours, m=minutes)


class SyncDialog(QDialog):
    """Runs ``job(progress)`` off the GUI thread and shows its progress until it ends."""

    def __init__(
        self,
        title: str,
        job: Callable[[SyncProgress], Any],
        parent: QWidget | None = None,
        summarise: Callable[[Any], str] | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(460)
        self.progress = SyncProgress()
        self.result: Any = None
        self.error: BaseException | None = None
        self._summarise = summarise or (lambda _r: _("Done."))

        self.phase = QLabel(_("Starting…"))
        self.bar = QProgressBar()
        self.bar.setRange(0, 0)
        self.records = QLabel("—")
        self.photos = QLabel("—")
        self.bytes = QLabel("—")
        self.speed = QLabel("—")
        self.eta = QLabel("—")
        form = QFormLayout()
        self.labels = {
            "records": QLabel(),
            "photos": QLabel(),
            "bytes": QLabel(),
            "speed": QLabel(),
            "eta": QLabel(),
        }
        for key, value in (
            ("records", self.records),
            ("photos", self.photos),
            ("bytes", self.bytes),
            ("speed", self.speed),
            ("eta", self.eta),
        ):
            form.addRow(self.labels[key], value)
        self.labels["records"].setText(_("Records"))
        self.labels["photos"].setText(_("Photos"))
        self.labels["bytes"].setText(_("Data"))
        self.labels["speed"].setText(_("Speed"))
        self.labels["eta"].setText(_("Time left"))
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.buttons = QDialogButtonBox()
        self.cancel_button = QPushButton(_("Cancel"))
        self.close_button = QPushButton(_("Close"))
        self.buttons.addButton(self.cancel_button, QDialogButtonBox.ButtonRole.RejectRole)
        self.buttons.addButton(self.close_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.close_button.hide()
        self.cancel_button.clicked.connect(self.cancel)
        self.close_button.clicked.connect(self.accept)
        layout = QVBoxLayout(self)
        layout.addWidget(self.phase)
        layout.addWidget(self.bar)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)

        self.timer = QTimer(self)
        self.timer.timeout.connect(self.poll)
        self.job = Job(lambda: job(self.progress), self)
        self.job.finished.connect(self._finished)
        self.job.failed.connect(self._failed)

    def start(self) -> None:
        self.timer.start(150)
        self.job.start()

    def cancel(self) -> None:
        if self.job.running:
            self.progress.cancel()
            self.phase.setText(_("Cancelling… what was already sent is kept."))
            self.cancel_button.setEnabled(False)
        else:
            self.reject()

    def reject(self) -> None:
        if self.job.running:  # closing the window cancels; the thread ends at the next check
            self.cancel()
            return
        super().reject()

    def poll(self) -> None:
        p = self.progress
        phases = {
            "connect": _("Connecting to the server…"),
            "records": _("Sending records…"),
            "photos": _("Sending photos…"),
            "pull": _("Receiving changes…"),
            "photos-down": _("Receiving photos of other monitors…"),
            "bundle": _("Writing and checking the bundle…"),
        }
        if p.phase:
            self.phase.setText(p.phase)
        elif p.label:
            self.phase.setText(phases.get(p.label, p.label))
        self.records.setText(f"{p.records_done} / {p.records_total}" if p.records_total else "—")
        self.photos.setText(f"{p.photos_done} / {p.photos_total}" if p.photos_total else "—")
        if p.bytes_total:
            self.bytes.setText(f"{human_bytes(p.bytes_done)} / {human_bytes(p.bytes_total)}")
            self.bar.setRange(0, 1000)
            self.bar.setValue(int(1000 * min(1.0, p.bytes_done / p.bytes_total)))
        elif p.total:
            self.bytes.setText(human_bytes(p.bytes_done) if p.bytes_done else "—")
            self.bar.setRange(0, max(1, p.total))
            self.bar.setValue(min(p.done, p.total))
        else:
            self.bytes.setText(human_bytes(p.bytes_done) if p.bytes_done else "—")
        rate = p.bytes_per_second()
        self.speed.setText(f"{human_bytes(rate)}/s" if rate else "—")
        left = p.seconds_left()
        self.eta.setText(human_duration(left) if left is not None else "—")

    def _end(self) -> None:
        self.timer.stop()
        self.poll()
        self.cancel_button.hide()
        self.close_button.show()
        self.bar.setRange(0, 1)
        self.bar.setValue(1)

    def _finished(self, result: Any) -> None:
        self.result = result
        self._end()
        self.phase.setText(_("Finished."))
        self.message.setText(self._summarise(result))

    def _failed(self, exc: BaseException) -> None:
        self.error = exc
        self._end()
        if isinstance(exc, Interrupted):
            self.phase.setText(_("Cancelled. What was already sent is kept; sync again later."))
        elif isinstance(exc, Offline):
            self.phase.setText(_("No connection to the server."))
            self.message.setText(exc.message(get_language()))
        elif isinstance(exc, PemdeskError):
            self.phase.setText(_("Stopped."))
            self.message.setText(exc.message(get_language()))
        else:
            from pemdesk.ui.errors import show_error

            self.phase.setText(_("Stopped."))
            show_error(self, exc)
