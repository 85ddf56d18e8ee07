"""Application start-up: QApplication, fonts, language, the database worker, the main window."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication

from pemdesk import __version__, i18n

ORGANISATION = "pemdesk"
APPLICATION = "pemdesk"


def settings() -> QSettings:
    """Settings stored the way Qt programs conventionally do (registry / ~/.config)."""
    return QSettings(ORGANISATION, APPLICATION)


def make_app(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance()
    if app is None:
        app = QApplication(argv if argv is not None else sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setOrganizationName(ORGANISATION)
    app.setApplicationName(APPLICATION)
    app.setApplicationVersion(__version__)
    from pemdesk.ui.fonts import register_fonts
    from pemdesk.ui.qt_translator import install as install_qt_translator

    register_fonts(app)
    install_qt_translator(app)  # Qt's own buttons and dialogs in Mongolian
    # The native file dialogs cannot be translated by the program: Qt's own ones are used.
    app.setAttribute(Qt.ApplicationAttribute.AA_DontUseNativeDialogs, True)
    return app


def run(
    data_dir: Path,
    demo: bool = False,
    lang: str | None = None,
    settings_may_choose_dir: bool = False,
) -> int:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    app = make_app()
    if settings_may_choose_dir:
        chosen = settings().value("data_dir", "")
        data_dir = Path(str(chosen)) if chosen else data_dir
    chosen = lang or str(settings().value("language", i18n.DEFAULT_LANGUAGE))
    i18n.set_language(chosen if chosen in i18n.LANGUAGES else i18n.DEFAULT_LANGUAGE)
    from pemdesk.ui.errors import install_excepthooks
    from pemdesk.ui.main_window import MainWindow

    window = MainWindow(data_dir, demo=demo, plugins_later=True)
    install_excepthooks(window)
    window.show()
    code = app.exec()
    window.ops.shutdown()
    return code
