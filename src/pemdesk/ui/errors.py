"""One way to show any error: a calm sentence in the user's language, details in the log.

``install_excepthooks`` routes exceptions raised in slots and threads here too, so nothing
disappears into stderr (napari's pattern).
"""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from types import TracebackType

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from pemdesk import i18n
from pemdesk.errors import Interrupted, Offline, PemdeskError
from pemdesk.i18n import _

log = logging.getLogger("pemdesk")


def user_message(exc: BaseException) -> str:
    if isinstance(exc, PemdeskError):
        return exc.message(i18n.get_language())
    return _("Something went wrong. Your saved work is safe; the details are in the log.")


def show_error(parent: QWidget | None, exc: BaseException) -> None:
    """Show an exception to the user (expected ones plainly, unexpected ones logged in full)."""
    if isinstance(exc, Interrupted):
        return
    if isinstance(exc, PemdeskError):
        log.info("%s: %s", type(exc).__name__, exc.detail or exc.en)
    else:
        log.error("unexpected error", exc_info=(type(exc), exc, exc.__traceback__))
    if isinstance(exc, Offline):
        return  # being offline is a normal state, shown in the status bar instead
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle("pemdesk")
    box.setText(user_message(exc))
    if not isinstance(exc, PemdeskError):
        box.setDetailedText("".join(traceback.format_exception(exc)))
    elif exc.detail:
        box.setDetailedText(exc.detail)
    box.open()


class _Relay(QObject):
    """Carries exceptions from any thread to the GUI thread."""

    raised = Signal(object)


_relay: _Relay | None = None


def install_excepthooks(parent: QWidget | None = None) -> None:
    global _relay
    _relay = _Relay()
    _relay.raised.connect(lambda exc: show_error(parent, exc))

    def hook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, exc, tb)
            return
        if _relay is not None:
            _relay.raised.emit(exc)

    def thread_hook(args: threading.ExceptHookArgs) -> None:
        if args.exc_value is not None:
            hook(args.exc_type, args.exc_value, args.exc_traceback)

    sys.excepthook = hook
    threading.excepthook = thread_hook
