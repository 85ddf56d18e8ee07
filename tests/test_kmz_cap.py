"""Item 12: a KMZ whose KML unzips to more than the cap is refused, not read into memory."""

from __future__ import annotations

import zipfile

import pytest

from pemdesk.errors import PemdeskError
from pemdesk.importers import kml


def test_a_kmz_bomb_is_refused(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(kml, "KMZ_MAX_UNZIPPED", 10_000)
    path = tmp_path / "bomb.kmz"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("doc.kml", "<kml>" + " " * 50_000 + "</kml>")
    with pytest.raises(PemdeskError) as error:
        kml._kml_documents(path)
    assert "unzipped" in error.value.en


def test_a_small_kmz_is_read(tmp_path) -> None:
    path = tmp_path / "ok.kmz"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("doc.kml", "<kml/>")
    assert kml._kml_documents(path) == [("doc.kml", b"<kml/>")]
