"""Many reports at once (a season's visits for the soum office), with progress and cancel.

Each report is written completely under its final name or not at all (see ``build_pdf``), so a
cancelled batch leaves only whole PDFs behind.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from pemdesk.errors import PemdeskError
from pemdesk.i18n import tr

if TYPE_CHECKING:
    from pemdesk.progress import Progress
    from pemdesk.storage import Store, VisitFilter

_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


def safe_name(text: str, limit: int = 60) -> str:
    """A file name part that every desktop system accepts (Cyrillic is kept)."""
    cleaned = _UNSAFE.sub("", text).strip().replace(" ", "-")
    return cleaned[:limit].strip("-.") or "report"


@dataclass
class BatchResult:
    written: list[Path] = field(default_factory=list)
    pages: int = 0
    size_bytes: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)  # (visit id, message)
    cancelled: bool = False


def visit_file_name(started_at: str, site_name: str, visit_id: str, public: bool) -> str:
    suffix = "-public" if public else ""
    return f"{started_at[:10]}_{safe_name(site_name)}_{visit_id[:8]}{suffix}.pdf"


def batch_visit_reports(
    store: Store,
    visit_ids: list[str],
    folder: Path | str,
    *,
    lang: str = "mn",
    public: bool = False,
    progress: Progress | None = None,
) -> BatchResult:
    """One visit report per visit into ``folder``; errors of one visit do not stop the rest."""
    from pemdesk import model
    from pemdesk.reports.visit import collect_visit, render_visit

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    result = BatchResult()
    if progress is not None:
        progress.update(done=0, total=len(visit_ids), label=tr("Writing reports…", lang))
    sites: dict[str, model.Site] = {}
    for visit_id in visit_ids:
        if progress is not None and progress.cancelled:
            result.cancelled = True
            break
        try:
            data = collect_visit(store, visit_id)
            site = sites.setdefault(data.detail.site.id, data.detail.site)
            path = folder / visit_file_name(
                data.detail.visit.started_at, site.name_mn, visit_id, public
            )
            built = render_visit(data, path, lang=lang, public=public)
            result.written.append(path)
            result.pages += built.pages
            result.size_bytes += built.size_bytes
        except PemdeskError as exc:
            result.failed.append((visit_id, exc.message(lang)))
        if progress is not None:
            progress.done += 1
    return result


def visits_for_batch(
    store: Store, f: VisitFilter, aimag_code: str | None = None, soum_code: str | None = None
) -> list[str]:
    """Ids of the visits a batch covers: the filter, within the aimag/soum when given."""
    visits = store.list_visits(f)
    if aimag_code or soum_code:
        allowed = {s.id for s in store.list_sites(aimag_code=aimag_code, soum_code=soum_code)}
        visits = [v for v in visits if v.site_id in allowed]
    return [v.id for v in reversed(visits)]  # oldest first
