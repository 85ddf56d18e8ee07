"""The Photos page (a plug-in: the gallery lives in ``pemdesk.ui.photos.gallery``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pemdesk.labels import N_

if TYPE_CHECKING:
    from pemdesk.ui.visit.editor import VisitEditor


def install(editor: VisitEditor) -> None:
    from pemdesk.ui.photos.gallery import PhotoGallery

    editor.photos_tab = PhotoGallery(editor.ops, editor.data_dir, editor.visit_id)
    editor.add_tab(editor.photos_tab, N_("Photos"))
