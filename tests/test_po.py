"""pemdesk.po reads the shipped catalogues exactly as polib does (it replaced polib at start-up)."""

from __future__ import annotations

from pathlib import Path

import polib  # type: ignore[import-untyped]
import pytest

from pemdesk.po import read_po

LOCALE = Path(__file__).resolve().parents[1] / "resources" / "locale"


def _polib(path: Path) -> list[tuple[str | None, str, str, list[str]]]:
    return [
        (e.msgctxt, e.msgid, e.msgstr, sorted(e.flags))
        for e in polib.pofile(str(path))
        if not e.obsolete
    ]


def _ours(path: Path) -> list[tuple[str | None, str, str, list[str]]]:
    return [(e.msgctxt, e.msgid, e.msgstr, sorted(e.flags)) for e in read_po(path)]


@pytest.mark.parametrize("path", sorted(LOCALE.glob("*/LC_MESSAGES/*.po")), ids=lambda p: p.name)
def test_every_shipped_catalogue_reads_as_polib_reads_it(path: Path) -> None:
    assert _ours(path) == _polib(path)


def test_escapes_continuations_flags_context_obsolete_and_plurals(tmp_path: Path) -> None:
    path = tmp_path / "x.po"
    path.write_text(
        'msgid ""\nmsgstr ""\n"Language: mn\\n"\n\n'
        '#. a comment\n#: src/a.py:1\n#, python-format, fuzzy\nmsgid "One {n}"\nmsgstr "Нэг {n}"\n\n'
        'msgctxt "QDialog"\nmsgid "Quote \\"x\\"\\tand\\\\"\nmsgstr ""\n"Иш \\"x\\""\n"\\n"\n\n'
        '#~ msgid "Old"\n#~ msgstr "Хуучин"\n\n'
        'msgid "file"\nmsgid_plural "files"\nmsgstr[0] "файл"\nmsgstr[1] "файлууд"\n'
        'msgid "No blank line before"\nmsgstr "Хоосон мөргүй"\n',
        encoding="utf-8",
    )
    assert _ours(path) == _polib(path)
    assert [e.msgid for e in read_po(path)] == [
        "One {n}",
        'Quote "x"\tand\\',
        "file",
        "No blank line before",
    ]


def test_a_broken_line_is_reported_with_its_place(tmp_path: Path) -> None:
    path = tmp_path / "bad.po"
    path.write_text('msgid "a"\nmsgstr unquoted\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad.po:2"):
        read_po(path)


def test_the_catalogue_cache_is_used_only_while_the_files_are_unchanged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    from pemdesk import po

    monkeypatch.setattr(po, "cache_dir", lambda: tmp_path / "cache")
    path = tmp_path / "a.po"
    path.write_text('msgid "Site"\nmsgstr "Объект"\n', encoding="utf-8")
    builds: list[int] = []

    def build() -> dict[str, str]:
        builds.append(1)
        return {e.msgid: e.msgstr for e in read_po(path)}

    assert po.cached_catalogue("t", [path], build) == {"Site": "Объект"}
    assert po.cached_catalogue("t", [path], build) == {"Site": "Объект"}
    assert len(builds) == 1  # the second came from the cache
    path.write_text('msgid "Site"\nmsgstr "Обьект"\n', encoding="utf-8")  # same size
    os.utime(path, ns=(1, 1))
    assert po.cached_catalogue("t", [path], build) == {"Site": "Обьект"}
    assert len(builds) == 2
    # a damaged cache file is read past, and replaced
    (cache,) = (tmp_path / "cache").iterdir()
    cache.write_bytes(b"\x00garbage")
    assert po.cached_catalogue("t", [path], build) == {"Site": "Обьект"}
    assert len(builds) == 3
    assert po.cached_catalogue("t", [path], build) == {"Site": "Обьект"} and len(builds) == 3
    # a cache folder that cannot be written: the files are read every time, nothing fails
    monkeypatch.setattr(po, "cache_dir", lambda: tmp_path / "a.po" / "not a folder")
    assert po.cached_catalogue("t", [path], build) == {"Site": "Обьект"}
    # a file that is gone: built without the cache (build() reports the problem itself)
    assert po.cached_catalogue("t", [tmp_path / "gone.po"], dict) == {}
