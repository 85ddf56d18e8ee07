"""The Map page (a plug-in: the map widget lives in ``pemdesk.ui.map``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pemdesk.ui.visit.editor import VisitEditor


def install(editor: VisitEditor) -> None:
    from pemdesk.ui.map.install import install_editor

    install_editor(editor)
