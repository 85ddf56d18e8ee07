"""A small reader of the gettext ``.po`` files the program ships (its Mongolian catalogue).

polib reads them correctly but slowly (its regular expressions took ~50 ms of every start-up for
the 15 files); this reads the subset ``scripts/update_po.py`` writes — ``msgctxt``, ``msgid``,
``msgstr``, continued strings, ``#,`` flags, obsolete ``#~`` entries — and gives the same
entries (``tests/test_po.py`` compares it with polib over every shipped file). Plural entries
(``msgstr[n]``) are kept with an empty ``msgstr``, as polib's ``msgstr`` is for them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

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
