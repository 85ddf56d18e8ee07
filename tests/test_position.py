"""Positions typed by hand: decimal degrees, DMS, UTM (core, no Qt)."""

from __future__ import annotations

import pytest

from pemdesk.errors import InvalidInput
from pemdesk.position import format_dms, format_utm, parse_position


@pytest.mark.parametrize(
    "text",
    [
        "43.5123, 106.8456",
        "43.5123 106.8456",
        "43,5123 106,8456",
        "43.5123N 106.8456E",
        "106.8456E 43.5123N",
        "N43.5123 E106.8456",
        "43°30'44.28\"N 106°50'44.16\"E",
        "43 30 44.28 N, 106 50 44.16 E",
        "43°30.738', 106°50.736'",
    ],
)
def test_same_point_in_many_notations(text: str) -> None:
    lon, lat = parse_position(text)
    assert lon == pytest.approx(106.8456, abs=1e-5)
    assert lat == pytest.approx(43.5123, abs=1e-5)


def test_utm_matches_platform_reference() -> None:
    # PLATFORM.md: (106.9, 47.9) -> EPSG:32648 x=642002.543, y=5306933.018
    lon, lat = parse_position("48N 642002.543 5306933.018")
    assert (lon, lat) == pytest.approx((106.9, 47.9), abs=1e-6)
    assert format_utm(106.9, 47.9) == "48N 642003 5306933"


def test_dms_round_trip() -> None:
    text = format_dms(106.8456, 43.5123)
    assert text == "43°30'44.3\"N 106°50'44.2\"E"
    lon, lat = parse_position(text)
    assert (lon, lat) == pytest.approx((106.8456, 43.5123), abs=1e-4)


@pytest.mark.parametrize("text", ["", "abc", "95, 106", "43 61 00 N 106 0 0 E", "48N 1 2 3 4"])
def test_bad_positions_are_refused_with_an_example(text: str) -> None:
    with pytest.raises(InvalidInput) as info:
        parse_position(text)
    assert "43.5123" in info.value.message("en")
    assert "43.5123" in info.value.message("mn")
