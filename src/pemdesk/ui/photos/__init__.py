"""Photos in the GUI: the visit editor's gallery tab, the import dialog, the viewer and the
photo-point comparison. ``install(editor)`` is the visit editor plug-in."""

from pemdesk.ui.photos.gallery import PhotoGallery
from pemdesk.ui.visit.photos import install

__all__ = ["PhotoGallery", "install"]
