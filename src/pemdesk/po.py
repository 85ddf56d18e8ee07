"""A small reader of the gettext ``.po`` files the program ships (its Mongolian catalogue).

polib reads them correctly but slowly (its regular expressions took ~50 ms of every start-up for
the 15 files); this reads the subset ``scripts/update_po.py`` writes — ``msgctxt``, ``msgid``,
``msgstr``, continued strings, ``#,`` flags, obsolete ``#~`` entries — and gives the same
entries (``tests/test_po.py`` compares it with polib over every shipped file). Plural entries
(``msgstr[n]``) are kept with an empty ``msgstr``, as polib's ``msgstr`` is for them.
"""

from __future__ import annotations

import marshal
import os
import re
import sys
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_ESCAPE = re.compile(r"\\(.)")
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "a": "\a", "b": "\b",
            "f": "\f", "v": "\v"}  # fmt: skip


@dataclass
class Entry:
    msgid: str
    msgstr: str = ""
    msgctxt: str | None = None
    flags: list[str] = field(default_factory=list)


def _unquote(text: str, path: Path, number: int) -> str:
    text = text.strip()
    if len(text) < 2 or text[0] != '"' or text[-1] != '"':
        raise ValueError(f"{path}:{number}: expected a quoted string, got {text!r}")
    if "\\" not in text:
        return text[1:-1]
    return _ESCAPE.sub(lambda m: _ESCAPES.get(m.group(1), m.group(0)), text[1:-1])


def read_po(path: Path | str) -> list[Entry]:
    """The entries of a ``.po`` file, without its header and obsolete entries."""
    path = Path(path)
    entries: list[Entry] = []
    fields: dict[str, str] = {}
    flags: list[str] = []
    key: str | None = None

    def close() -> None:
        nonlocal fields, flags, key
        if "msgid" in fields and fields["msgid"] != "":  # msgid "" is the header
            entries.append(
                Entry(fields["msgid"], fields.get("msgstr", ""), fields.get("msgctxt"), flags)
            )
        fields, flags, key = {}, [], None

    with open(path, encoding="utf-8") as f:
        for number, raw in enumerate(f, 1):
            line = raw.strip()
            if not line:
                if fields:
                    close()
                continue
            if line.startswith("#"):
                if fields and "msgstr" in fields:
                    close()
                if line.startswith("#,"):
                    flags += [flag.strip() for flag in line[2:].split(",") if flag.strip()]
                continue  # other comments; "#~" marks an obsolete entry, left out
            if line.startswith('"'):
                if key is None:
                    raise ValueError(f"{path}:{number}: a string continues nothing")
                fields[key] = fields.get(key, "") + _unquote(line, path, number)
                continue
            keyword, _sep, rest = line.partition(" ")
            if keyword.startswith("msgstr["):
                keyword = keyword.replace("[", "_plural[")
            if keyword in ("msgctxt", "msgid") and "msgstr" in fields:
                close()
            if keyword not in ("msgctxt", "msgid", "msgid_plural", "msgstr") and not (
                keyword.startswith("msgstr_plural[")
            ):
                raise ValueError(f"{path}:{number}: unknown keyword {keyword!r}")
            key = keyword
            fields[key] = _unquote(rest, path, number)
            if keyword.startswith("msgstr_plural["):
                fields.setdefault("msgstr", "")
    if fields:
        close()
    return entries


# --- a cache of the merged catalogues ------------------------------------------------------------
# Reading the 15 files costs ~10 ms of every start-up; the merged dictionary, kept with marshal
# in the user's cache folder, loads in ~0.5 ms. It is used only while every file's name, size
# and modification time, the folder, the format below and Python's version are what it was made
# from.
CACHE_FORMAT = 1


def cache_dir() -> Path:
    """The user's cache folder for pemdesk (as platformdirs would give it, without its import)."""
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Caches"
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "pemdesk"


def cached_catalogue(kind: str, files: list[Path], build: Callable[[], dict[Any, str]]) -> dict[Any, str]:
    """``build()``'s dictionary, from the cache when ``files`` have not changed since it was made.

    A cache that cannot be read or written is ignored (the files are read instead)."""
    try:
        stamp: Any = (
            CACHE_FORMAT,
            sys.version_info[:2],  # marshal's format is the interpreter's
            kind,
            [(str(p), *_stat(p)) for p in files],
        )
    except OSError:
        return build()
    folders = sorted({str(p.parent) for p in files})  # each copy of the program its own file
    key = zlib.crc32(repr(folders).encode("utf-8"))
    path = cache_dir() / f"catalogue-{kind}-{key:08x}.marshal"
    try:
        with open(path, "rb") as f:
            saved_stamp, saved = marshal.load(f)
        if saved_stamp == stamp and isinstance(saved, dict):
            return saved
    except (OSError, EOFError, ValueError, TypeError):
        pass
    result = build()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        with open(tmp, "wb") as f:
            marshal.dump((stamp, result), f)
        os.replace(tmp, path)
    except (OSError, ValueError):
        pass
    return result


def _stat(path: Path) -> tuple[int, int]:
    st = path.stat()
    return st.st_size, st.st_mtime_ns
