"""Item 12: the DMS parser read "1e-3" as 0.95°; scientific notation is refused everywhere."""

from __future__ import annotations

import pytest

from pemdesk.errors import InvalidInput
from pemdesk.geo.coords import parse_coordinate_line
from pemdesk.position import parse_position


@pytest.mark.parametrize("text", ["43.5 1e-3", "1e-3, 106.5", "4.35E1 106.8"])
def test_scientific_notation_is_refused(text: str) -> None:
    with pytest.raises(InvalidInput):
        parse_position(text)
    with pytest.raises(InvalidInput):
        parse_coordinate_line(text)


def test_ordinary_positions_still_read() -> None:
    assert parse_position("43.5123, 106.8456") == pytest.approx((106.8456, 43.5123))
    line = "43°02'15.3\"N 106°51'03.0\"E"
    assert parse_coordinate_line(line)[1] == pytest.approx(43.0376, abs=1e-4)
