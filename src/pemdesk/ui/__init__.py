"""The Qt desktop program: a thin layer over the Qt-free core in ``pemdesk``."""

from __future__ import annotations

import sys


def _import_sqlite_utils_without_numpy() -> None:
    """Start-up: sqlite-utils imports numpy (≈0.3 s) only to adapt numpy values, which the program
    never stores; shapely still gets numpy when it is first used (map, areas)."""
    if "sqlite_utils" in sys.modules or "numpy" in sys.modules:
        return
    sys.modules["numpy"] = None  # type: ignore[assignment]  # makes "import numpy" fail, once
    try:
        import sqlite_utils  # noqa: F401
    finally:
        del sys.modules["numpy"]


_import_sqlite_utils_without_numpy()
