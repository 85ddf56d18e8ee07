"""The visit editor, one module per page (what a newcomer looks for is in the file of that name):

* ``editor.py`` — the window around the pages: menus, autosave, undo, load, seal, amend, language;
  ``EDITOR_PLUGINS`` (extra pages from other modules).
* ``common.py`` — what the pages share: the page base class, the data loaded for the editor,
  the live cell delegate.
* ``general.py`` (site, dates, position, purpose, weather, plots), ``participants.py``,
  ``observations.py`` (values checked against the catalogue as they are typed), ``findings.py``,
  ``notes.py``, ``photos.py`` and ``map.py`` (plug-ins), ``review.py`` (the review before
  sealing, the only place a visit is sealed; ``REVIEW_WIDGETS`` for sections of other modules).
"""

from pemdesk.ui.visit.editor import EDITOR_PLUGINS, VisitEditor

__all__ = ["EDITOR_PLUGINS", "VisitEditor"]
