"""Language: every user-visible string has its Mongolian; dates and numbers are formatted."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from pemdesk import i18n
from pemdesk.labels import LABELS, label
from pemdesk.model import PlotStage

REPO = Path(__file__).resolve().parents[1]


def _update_po_module():
    spec = importlib.util.spec_from_file_location("update_po", REPO / "scripts" / "update_po.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_ui_and_cli_string_has_a_mongolian_translation() -> None:
    messages = _update_po_module().source_messages(REPO / "src")
    assert len(messages) > 50
    missing = {m: places[0] for m, places in messages.items() if m not in i18n._catalogue("mn")}
    assert missing == {}, "untranslated (run scripts/update_po.py and fill the .po): " + repr(missing)


def test_every_enum_value_has_a_label() -> None:
    from enum import StrEnum

    from pemdesk import model

    for obj in vars(model).values():
        if isinstance(obj, type) and issubclass(obj, StrEnum) and obj is not StrEnum:
            for member in obj:
                assert member in LABELS, member


def test_switching_language() -> None:
    i18n.set_language("mn")
    assert label(PlotStage.HANDED_OVER) == "Хүлээлгэн өгсөн"
    assert i18n._("Site") == "Объект"
    i18n.set_language("en")
    assert label(PlotStage.HANDED_OVER) == "Handed over"
    assert label(PlotStage.HANDED_OVER, "mn") == "Хүлээлгэн өгсөн"
    assert i18n.tr("Site", "mn") == "Объект"
    with pytest.raises(ValueError):
        i18n.set_language("fr")


def test_dates_are_yyyy_mm_dd_with_dots_in_mongolian() -> None:
    assert i18n.format_date("2026-05-04T10:00:00Z", "mn") == "2026.05.04"
    assert i18n.format_date("2026-05-04T10:00:00Z", "en") == "2026-05-04"
    assert i18n.format_date(None) == ""
    assert i18n.format_number(12345.678, 1) == "12,345.7"
