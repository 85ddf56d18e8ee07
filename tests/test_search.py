"""Cyrillic ↔ Latin search keys (core, no Qt)."""

from __future__ import annotations

import pytest

from pemdesk.search import key, matches, transliterate


@pytest.mark.parametrize(
    ("cyrillic", "latin"),
    [
        ("Ханбогд", "Khanbogd"),
        ("Ханбогд", "Hanbogd"),
        ("Өмнөговь", "Umnugovi"),
        ("Өмнөговь", "Ömnögovi"),
        ("Өмнөговь", "Omnogovi"),
        ("Цогтцэций", "Tsogttsetsii"),
        ("Цогтцэций", "Tsogt-Tsetsii"),
        ("Баян-Өндөр", "Bayan-Ondor"),
        ("Дорноговь", "Dornogobi"),
        ("Улаанбаатар", "Ulaanbaatar"),
        ("Сэлэнгэ", "Selenge"),
        ("Заамар", "Zaamar"),
    ],
)
def test_cyrillic_and_latin_spellings_meet(cyrillic: str, latin: str) -> None:
    assert key(cyrillic) == key(latin)
    assert matches(latin, [cyrillic])
    assert matches(cyrillic, [latin])


def test_mns_5217_letters() -> None:
    assert transliterate("Өмнөговь") == "Ömnögovi"
    assert transliterate("Ханбогд") == "Khanbogd"
    assert transliterate("Цагаан овоо") == "Tsagaan ovoo"


def test_partial_and_multi_word_queries() -> None:
    texts = ["Цагаан овоо зэсийн уурхай", "Tsagaan Ovoo copper mine", "Өмнөговь", "Ханбогд"]
    assert matches("khan", texts)
    assert matches("umnu tsagaan", texts)
    assert matches("ЗЭС", texts)
    assert not matches("Заамар", texts)
    assert not matches("umnu zaamar", texts)


def test_empty_query_matches_everything() -> None:
    assert matches("", ["x"])
    assert matches("   ", [])
