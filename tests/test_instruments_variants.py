"""Generality of the importers (issue 14): every real file that imports is changed the ways other
files of the same instrument differ — Windows line endings, a UTF-8 byte-order mark, a shorter
recording (the logger read out earlier) — and must still import with the counts and times those
changes imply. The variants are made here from ../shared/data/instruments (not kept in the repo)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pemdesk.errors import InvalidInput
from pemdesk.instruments.formats import read_file
from pemdesk.instruments.timeparse import to_iso
from test_instruments_files import DATA, IMPORTED

pytestmark = pytest.mark.skipif(not DATA.is_dir(), reason=f"shared instrument data absent ({DATA})")
TEXT = [row for row in IMPORTED if not row[0].endswith((".json", ".xle"))]


def _summary(path: Path, code: str) -> tuple[int, str, str]:
    """Count, first and last time (UTC) of one indicator of a file."""
    series = read_file(path).get(code)
    return len(series), to_iso(series.times[0]), to_iso(series.times[-1])


def _variant(tmp_path: Path, name: str, data: bytes) -> Path:
    out = tmp_path / Path(name).name  # the same file name: some formats are told by it
    out.write_bytes(data)
    return out


def test_a_cut_utf16_file_is_refused_by_name(tmp_path: Path) -> None:
    name = "ysi_exo_korexo/chalgrove_lake_2019-05-16_raw.csv"
    raw = (DATA / name).read_bytes()
    assert raw.startswith(b"\xff\xfe")
    with pytest.raises(InvalidInput) as err:  # an odd number of bytes: not UTF-16 any more
        read_file(_variant(tmp_path, name, raw[:-1]))
    assert "chalgrove_lake_2019-05-16_raw.csv" in err.value.en


@pytest.mark.parametrize(("name", "code", "count", "first", "last", "probe"), TEXT,
                         ids=[r[0] for r in TEXT])
def test_windows_line_endings_and_a_byte_order_mark(tmp_path: Path, name: str, code: str,
                                                     count: int, first: str, last: str,
                                                     probe: object) -> None:
    raw = (DATA / name).read_bytes()
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16: line endings changed as text
        text = raw.decode("utf-16").replace("\r\n", "\n").replace("\n", "\r\n")
        crlf = text.encode("utf-16")
    else:
        crlf = raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    assert _summary(_variant(tmp_path, name, crlf), code) == (count, first, last)
    if raw.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        return
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return  # an 8-bit file: a UTF-8 mark would be a lie
    bom = b"\xef\xbb\xbf" + raw
    assert _summary(_variant(tmp_path, name, bom), code) == (count, first, last)


@pytest.mark.parametrize(("name", "code", "count", "first", "last", "probe"), TEXT,
                         ids=[r[0] for r in TEXT])
def test_a_shorter_recording_of_the_same_logger(tmp_path: Path, name: str, code: str,
                                                count: int, first: str, last: str,
                                                probe: object) -> None:
    """The file cut after about two thirds of its lines: fewer readings, each of them one of
    the whole file's (at its time, with its value), within its first and last (some files are
    written newest first or unsorted) — or a refusal by name if the cut broke the file."""
    if count < 6:
        pytest.skip("too few readings to cut")
    raw = (DATA / name).read_bytes()
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        lines = raw.decode("utf-16").splitlines(keepends=True)
        data = "".join(lines[: max(len(lines) * 2 // 3, 1)]).encode("utf-16")
    else:
        blines = raw.splitlines(keepends=True)
        data = b"".join(blines[: max(len(blines) * 2 // 3, 1)])
    path = _variant(tmp_path, name, data)
    try:
        part = read_file(path).get(code)
    except InvalidInput as exc:  # a footer-less cut may be refused, but only by name
        assert path.name in exc.en and path.name in exc.mn
        return
    whole = read_file(DATA / name).get(code)
    assert 0 < len(part) < count
    assert first <= to_iso(part.times[0]) and to_iso(part.times[-1]) <= last
    known = dict(zip(whole.times.tolist(), whole.values.tolist(), strict=True))
    for t, v in zip(part.times.tolist(), part.values.tolist(), strict=True):
        assert t in known and (v == known[t] or (v != v and known[t] != known[t]))
