"""Minerals named in both languages (Qt-free reference data).

A site's ``mineral`` is stored as typed (usually Mongolian, comma-separated: "зэс, алт");
``mineral_text(text, lang)`` shows each known mineral in the language asked for, in either
direction, and leaves unknown words as typed.
"""

from __future__ import annotations

# Mongolian, English: the commodities of Mongolian mining licences.
MINERALS: tuple[tuple[str, str], ...] = (
    ("алт", "gold"),
    ("мөнгө", "silver"),
    ("зэс", "copper"),
    ("молибден", "molybdenum"),
    ("чулуун нүүрс", "hard coal"),
    ("хүрэн нүүрс", "brown coal"),
    ("нүүрс", "coal"),
    ("төмөр", "iron"),
    ("төмрийн хүдэр", "iron ore"),
    ("жонш", "fluorspar"),
    ("цайр", "zinc"),
    ("хар тугалга", "lead"),
    ("вольфрам", "tungsten"),
    ("цагаан тугалга", "tin"),
    ("уран", "uranium"),
    ("газрын тос", "oil"),
    ("фосфорит", "phosphorite"),
    ("давс", "salt"),
    ("гянт болд", "tungsten"),
    ("барилгын материал", "construction materials"),
    ("элс, хайрга", "sand and gravel"),
    ("шохойн чулуу", "limestone"),
    ("газрын ховор элемент", "rare earth elements"),
)
_TO_EN = {mn: en for mn, en in MINERALS}
_TO_MN = {en: mn for mn, en in reversed(MINERALS)}


def mineral_name(word: str, lang: str) -> str:
    """One mineral in ``lang`` ("алт" → "gold"); unknown words come back as given."""
    key = word.strip().casefold()
    if lang == "en":
        return _TO_EN.get(key, word.strip())
    return _TO_MN.get(key, word.strip())


def mineral_text(text: str | None, lang: str) -> str:
    """A site's mineral field in ``lang``: "зэс, алт" → "copper, gold"."""
    if not text:
        return ""
    whole = mineral_name(text, lang)
    if whole != text.strip():
        return whole
    return ", ".join(mineral_name(part, lang) for part in text.split(",") if part.strip())
