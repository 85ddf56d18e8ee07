"""Language: Mongolian first, English second, one mechanism for the whole program.

Strings are written in English in the code and wrapped in ``_()``; the Mongolian catalogue is the
gettext ``.po`` files in ``resources/locale/mn/LC_MESSAGES/`` (one per area), read by ``pemdesk.po`` (no
compile step, so a checkout, a wheel and a frozen bundle behave alike). Errors carry both languages in
themselves (see ``errors.py``) because they are raised far from any UI.
"""

from __future__ import annotations

import os
from datetime import datetime
from functools import cache

from pemdesk.resources import resource_path

LANGUAGES = ("mn", "en")
DEFAULT_LANGUAGE = "mn"

_current = os.environ.get("PEMDESK_LANG", DEFAULT_LANGUAGE)
if _current not in LANGUAGES:
    _current = DEFAULT_LANGUAGE


def set_language(lang: str) -> None:
    global _current
    if lang not in LANGUAGES:
        raise ValueError(f"unsupported language {lang!r}; use one of {LANGUAGES}")
    _current = lang


def get_language() -> str:
    return _current


@cache
def _catalogue(lang: str) -> dict[str, str]:
    if lang == "en":
        return {}
    folder = resource_path("locale", lang, "LC_MESSAGES")
    if not folder.is_dir():
        return {}
    from pemdesk.po import cached_catalogue, read_po

    files = sorted(folder.glob("*.po"))  # one file per area of the program

    def build() -> dict[str, str]:
        merged: dict[str, str] = {}
        for path in files:
            for e in read_po(path):
                # entries with a context are Qt's own strings (qt.po, see ui.qt_translator)
                if e.msgstr and "fuzzy" not in e.flags and not e.msgctxt:
                    merged[e.msgid] = e.msgstr
        return merged

    return cached_catalogue(f"program-{lang}", files, build)


def _(message: str) -> str:
    """Translate an English message into the current language (itself when untranslated)."""
    return _catalogue(_current).get(message, message)


def tr(message: str, lang: str) -> str:
    """Translate into a given language, whatever the current one is (reports, exports)."""
    return _catalogue(lang).get(message, message)


def untranslated(messages: list[str], lang: str = "mn") -> list[str]:
    catalogue = _catalogue(lang)
    return [m for m in messages if m not in catalogue]


def format_date(value: str | datetime | None, lang: str | None = None) -> str:
    """Dates as YYYY.MM.DD in Mongolian and YYYY-MM-DD in English."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return value.strftime("%Y.%m.%d" if (lang or _current) == "mn" else "%Y-%m-%d")


def format_datetime(value: str | datetime | None, lang: str | None = None) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if value.tzinfo is not None:
        value = value.astimezone()  # show local time to the user
    return f"{format_date(value, lang)} {value:%H:%M}"


def format_number(value: float | None, decimals: int = 2, lang: str | None = None) -> str:
    """Numbers as CLDR (and Qt's QLocale) format them: mn and en both use "." and "," today."""
    if value is None:
        return ""
    return f"{value:,.{decimals}f}"
