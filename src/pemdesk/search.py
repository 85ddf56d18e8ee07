"""Search that finds names in either script: "Ханбогд" ↔ "Khanbogd", "Өмнөговь" ↔ "Umnugovi".

Names are stored in Cyrillic and in one Latin romanisation, but people type whatever they know:
the MNS 5217:2012 form ("Ömnögovi"), the common English one ("Umnugovi", "Omnogovi"), "Hanbogd" or
"Khanbogd", with or without hyphens. Query and text are both reduced to a loose Latin *key*
(Cyrillic transliterated with the MNS 5217:2012 letter table, then the usual variants folded:
ө/ү/о/у → u, kh → h, ts → c, y/ы/й/и → i, e/э/ye → e, w/v/b → v, doubled letters single) and the
query's key must be a substring of the text's key.

We evaluated ``mn-translit`` (PyPI, MNS 5217:2012, MIT): its letter table is the same as ours, but
it is a plain transliterator (no folding of the variants people type, which is what search needs)
and brings number-word conversion we do not use; a 35-letter table is not worth a dependency.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

# MNS 5217:2012 Cyrillic → Latin (lower case).
MNS_5217 = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "ye", "ё": "yo", "ж": "j", "з": "z",
    "и": "i", "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "ө": "ö", "п": "p",
    "р": "r", "с": "s", "т": "t", "у": "u", "ү": "ü", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch",
    "ш": "sh", "щ": "sh", "ъ": "", "ы": "y", "ь": "i", "э": "e", "ю": "yu", "я": "ya",
}  # fmt: skip

_FOLDS = (
    ("kh", "h"), ("zh", "j"), ("ts", "c"), ("ch", "c"), ("sh", "s"),
    ("ye", "e"), ("yo", "u"), ("yu", "u"), ("ya", "a"), ("ö", "u"), ("ü", "u"), ("o", "u"),
    ("y", "i"), ("w", "v"), ("b", "v"), ("q", "k"), ("x", "h"),
)  # fmt: skip
_NOT_LETTERS = re.compile(r"[^0-9a-zöü]+")
_DOUBLES = re.compile(r"(.)\1+")


def transliterate(text: str) -> str:
    """Cyrillic → Latin by MNS 5217:2012 (other characters unchanged, case kept at word start)."""
    out = []
    for ch in text:
        low = ch.lower()
        latin = MNS_5217.get(low)
        if latin is None:
            out.append(ch)
        elif ch != low and latin:
            out.append(latin[0].upper() + latin[1:])
        else:
            out.append(latin)
    return "".join(out)


@lru_cache(maxsize=20_000)
def key(text: str) -> str:
    """The loose Latin key of a text, the same for its Cyrillic and common Latin spellings."""
    s = transliterate(text.casefold())
    # keep ö/ü (folded below) but drop other diacritics (e.g. "Ömnögovi" typed with a combining mark)
    s = unicodedata.normalize("NFC", s)
    s = (
        "".join(
            c
            for c in unicodedata.normalize("NFKD", s.replace("ö", "\0").replace("ü", "\1"))
            if not unicodedata.combining(c)
        )
        .replace("\0", "ö")
        .replace("\1", "ü")
    )
    s = _NOT_LETTERS.sub("", s)
    for a, b in _FOLDS:
        s = s.replace(a, b)
    return _DOUBLES.sub(r"\1", s)


def matches(query: str, texts: Iterable[str | None]) -> bool:
    """Whether every word of ``query`` is found (loosely) in one of ``texts``."""
    keys = [key(t) for t in texts if t]
    for word in query.split():
        k = key(word)
        if k and not any(k in t for t in keys):
            return False
    return True
