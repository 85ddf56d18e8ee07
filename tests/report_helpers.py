"""Shared by the report tests: a demo visit with photos at its site, finished and sealed."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from pemdesk import model, visits
from pemdesk.photos import ImportOptions, import_photos
from pemdesk.storage import Store, VisitFilter
from photos_fixtures import make_jpeg

POPPLER = all(shutil.which(t) for t in ("pdftotext", "pdffonts", "pdftoppm"))
needs_poppler = pytest.mark.skipif(not POPPLER, reason="poppler-utils (pdftotext) not installed")


def sealed_visit_with_photos(store: Store, folder: Path, photos: int = 3) -> model.Visit:
    """The first demo draft visit, with photos taken near it (one turned by EXIF), finished."""
    draft = store.list_visits(VisitFilter(status=model.VisitStatus.DRAFT))[0]
    lon, lat = draft.lon or 105.0, draft.lat or 45.0
    taken = draft.started_at[:10].replace("-", ":") + " 10:15:00"
    srcs = [
        make_jpeg(folder / f"photo{i}.jpg", size=(1200, 900), color=(40 + i * 50, 120, 60),
                  lat=lat + 0.0005 * i, lon=lon + 0.0007 * i, bearing=45.0 * (i + 1),
                  taken=taken, offset="+08:00", orientation=6 if i == 1 else 1)
        for i in range(photos)
    ]
    import_photos(store, srcs, ImportOptions(visit_id=draft.id))
    return visits.finish_visit(store, draft.id)


def pdftotext(path: Path) -> str:
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True,
                          capture_output=True, text=True).stdout


def pdffonts(path: Path) -> list[list[str]]:
    out = subprocess.run(["pdffonts", str(path)], check=True, capture_output=True,
                         text=True).stdout.splitlines()[2:]
    return [line.split() for line in out if line.strip()]


def page_count(path: Path) -> int:
    out = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout
    return int(next(line.split()[-1] for line in out.splitlines() if line.startswith("Pages:")))
