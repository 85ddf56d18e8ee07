"""What the report dialogs ask the database thread to make: a report as PDF bytes."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pemdesk.storage import Store


@dataclass(frozen=True)
class ReportRequest:
    """One report to preview, print or save; ``make(store, lang, public)`` returns the PDF."""

    kind: str  # visit | site | area
    key: str  # visit id, site id, or "aimag_code|soum_code|year"
    title: str  # English, translated where shown
    supports_public: bool = False

    def make(self, store: Store, lang: str, public: bool = False) -> bytes:
        buffer = io.BytesIO()
        MAKERS[self.kind](store, self.key, buffer, lang, public)
        return buffer.getvalue()

    def suggested_name(self, store: Store, lang: str, public: bool = False) -> str:
        return NAMERS[self.kind](store, self.key, lang, public)


def _visit(store: Store, key: str, out: Any, lang: str, public: bool) -> None:
    from pemdesk.reports.visit import collect_visit, render_visit

    render_visit(collect_visit(store, key), out, lang=lang, public=public)


def _site(store: Store, key: str, out: Any, lang: str, public: bool) -> None:
    from pemdesk.reports.site import collect_site, render_site

    render_site(collect_site(store, key), out, lang=lang)


def split_area_key(key: str) -> tuple[str, str | None, int]:
    aimag, soum, year = key.split("|")
    return aimag, soum or None, int(year)


def area_key(aimag_code: str, soum_code: str | None, year: int) -> str:
    return f"{aimag_code}|{soum_code or ''}|{year}"


def _area(store: Store, key: str, out: Any, lang: str, public: bool) -> None:
    from pemdesk.reports.area import collect_area, render_area

    aimag, soum, year = split_area_key(key)
    render_area(collect_area(store, aimag, soum, year=year), out, lang=lang)


def _visit_name(store: Store, key: str, lang: str, public: bool) -> str:
    from pemdesk import model
    from pemdesk.reports.batch import visit_file_name

    visit = store.get(model.Visit, key)
    site = store.get(model.Site, visit.site_id)
    return visit_file_name(visit.started_at, site.name(lang), visit.id, public)


def _site_name(store: Store, key: str, lang: str, public: bool) -> str:
    from pemdesk import model
    from pemdesk.reports.batch import safe_name

    return f"{safe_name(store.get(model.Site, key).name(lang))}_summary.pdf"


def _area_name(store: Store, key: str, lang: str, public: bool) -> str:
    from pemdesk.reports.area import area_name
    from pemdesk.reports.batch import safe_name

    aimag, soum, year = split_area_key(key)
    return f"{safe_name(area_name(aimag, soum, lang))}_{year}.pdf"


MAKERS: dict[str, Callable[[Store, str, Any, str, bool], None]] = {
    "visit": _visit, "site": _site, "area": _area,
}  # fmt: skip
NAMERS: dict[str, Callable[[Store, str, str, bool], str]] = {
    "visit": _visit_name, "site": _site_name, "area": _area_name,
}  # fmt: skip
