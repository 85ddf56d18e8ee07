"""Mongolian alphabetical order (a module of its own: the site tree sorts with it at start-up
without importing the gazetteer)."""

from __future__ import annotations

# Mongolian Cyrillic alphabet order; plain code-point order would put Ө and Ү after Я.
_MN_ALPHABET = "аәбвгдеёжзийклмноөпрстуүфхһцчшщъыьэюя"
_MN_ORDER = {ch: i for i, ch in enumerate(_MN_ALPHABET)}


def mongolian_sort_key(text: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key that orders Cyrillic text the Mongolian way (… О Ө П … У Ү Ф …)."""
    key: list[tuple[int, int | str]] = []
    for ch in text.casefold():
        if ch in _MN_ORDER:
            key.append((1, _MN_ORDER[ch]))
        elif ch in " -":
            key.append((0, 0))
        else:
            key.append((2, ch))
    return tuple(key)
