"""Which visit editors are open, kept in QSettings at once: after a crash or a flat battery the
next start knows which drafts were being edited, reopens them and says so."""

from __future__ import annotations

from pathlib import Path

SESSION_KEY = "session/open_visits"


def _session_entries() -> list[str]:
    from pemdesk.ui.app import settings

    value = settings().value(SESSION_KEY, [])
    if isinstance(value, str):
        return [value] if value else []
    return [str(v) for v in value] if isinstance(value, list) else []


def _set_session_entries(entries: list[str]) -> None:
    from pemdesk.ui.app import settings

    s = settings()
    s.setValue(SESSION_KEY, entries)
    s.sync()  # on disk now: the point is to know after a crash


def _entry(data_dir: Path, visit_id: str) -> str:
    return f"{Path(data_dir).resolve()}\t{visit_id}"


def open_editors_from_last_session(data_dir: Path) -> list[str]:
    """Visit ids whose editor was open when the program stopped without closing them."""
    prefix = f"{Path(data_dir).resolve()}\t"
    return [e[len(prefix) :] for e in _session_entries() if e.startswith(prefix)]
