"""Find files shipped in top-level ``resources/``, from a checkout, a wheel or a frozen bundle."""

from __future__ import annotations

import sys
from functools import cache
from pathlib import Path


@cache
def resources_root() -> Path:
    """The folder that holds the shipped resources.

    - frozen (PyInstaller): ``<bundle>/pemdesk/resources``
    - installed wheel: ``pemdesk/resources`` inside the package (hatch force-include)
    - checkout or editable install: ``<repo>/resources``
    """
    frozen_base = getattr(sys, "_MEIPASS", None)
    if frozen_base:
        candidate = Path(frozen_base) / "pemdesk" / "resources"
        if candidate.is_dir():
            return candidate
    # the package's own folder (what importlib.resources.files("pemdesk") gives for a package
    # on disk, without importing importlib.resources at start-up)
    packaged = Path(__file__).resolve().parent / "resources"
    if packaged.is_dir():
        return packaged
    checkout = Path(__file__).resolve().parents[2] / "resources"
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError("pemdesk resources folder not found")


def resource_path(*parts: str) -> Path:
    """Path of one shipped resource, e.g. ``resource_path("fonts", "DejaVuSans.ttf")``."""
    return resources_root().joinpath(*parts)
