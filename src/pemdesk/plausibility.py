"""Is a visit's record plausible? (Qt-free; used by the store, the editor's review page, photo
import, the gallery and the reports.)

* Dates: a visit cannot start in the future, nor end before it starts or in the future.
* Photos: a photo taken outside the visit's time window (with a margin) or farther than
  ``PHOTO_MAX_DISTANCE_M`` from the site is an *outlier*: shown apart, never stretching a map.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from pemdesk import model
from pemdesk.errors import InvalidInput

# Laptop clocks drift: a start up to this far ahead of the clock still counts as "now".
FUTURE_TOLERANCE = timedelta(minutes=10)
# A photo belongs to a visit when taken within the visit's window widened by this margin...
PHOTO_TIME_MARGIN = timedelta(hours=2)
# ...and no farther than this from the site (a large open-pit mine with its waste dumps fits).
PHOTO_MAX_DISTANCE_M = 25_000.0


def _parse(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def visit_date_problems(
    started_at: str | None, ended_at: str | None, now: datetime | None = None
) -> list[InvalidInput]:
    """Why these visit times are impossible (empty when they are fine)."""
    now = now or datetime.now(UTC)
    start, end = _parse(started_at), _parse(ended_at)
    problems: list[InvalidInput] = []
    if started_at and start is None:
        problems.append(
            InvalidInput("Эхэлсэн цаг буруу бичигдсэн байна.", "The start time cannot be read.")
        )
    if start is not None and start > now + FUTURE_TOLERANCE:
        problems.append(
            InvalidInput(
                "Эхэлсэн цаг ирээдүйд байна: үзлэг хараахан эхлээгүй байж болохгүй.",
                "The start time is in the future: a visit cannot start later than now.",
                detail=f"started_at={started_at}",
            )
        )
    if end is not None and end > now + FUTURE_TOLERANCE:
        problems.append(
            InvalidInput(
                "Дууссан цаг ирээдүйд байна.",
                "The end time is in the future.",
                detail=f"ended_at={ended_at}",
            )
        )
    if start is not None and end is not None and end < start:
        problems.append(
            InvalidInput(
                "Дууссан цаг эхэлсэн цагаас өмнө байна.",
                "The end time is before the start time.",
                detail=f"{started_at} > {ended_at}",
            )
        )
    return problems


def check_visit_dates(visit: model.Visit, now: datetime | None = None) -> None:
    """Raise the first date problem of a visit (the store calls this on every save)."""
    problems = visit_date_problems(visit.started_at, visit.ended_at, now)
    if problems:
        raise problems[0]


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    r = 6_371_008.8
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(min(1.0, math.sqrt(a)))


@dataclass(frozen=True)
class PhotoDoubt:
    """Why a photo does not look like it belongs to its visit."""

    code: str  # "time" | "distance"
    mn: str
    en: str

    def message(self, lang: str) -> str:
        return self.mn if lang == "mn" else self.en


def photo_doubts(
    photo: model.Photo,
    *,
    started_at: str | None,
    ended_at: str | None,
    site_lon: float | None,
    site_lat: float | None,
    max_distance_m: float = PHOTO_MAX_DISTANCE_M,
    margin: timedelta = PHOTO_TIME_MARGIN,
    now: datetime | None = None,
) -> list[PhotoDoubt]:
    """The reasons a photo looks out of place for a visit (empty: plausible or unknown)."""
    doubts: list[PhotoDoubt] = []
    taken, start = _parse(photo.taken_at), _parse(started_at)
    end = _parse(ended_at) or (now or datetime.now(UTC))
    if (
        taken is not None
        and start is not None
        and (taken < start - margin or taken > max(end, start) + margin)
    ):
        shown = taken.strftime("%Y-%m-%d %H:%M")
        doubts.append(
            PhotoDoubt(
                "time",
                f"Үзлэгийн хугацаанаас гадуур авсан ({shown} UTC).",
                f"Taken outside the visit's time ({shown} UTC).",
            )
        )
    if None not in (photo.lon, photo.lat, site_lon, site_lat):
        metres = distance_m(photo.lon, photo.lat, site_lon, site_lat)  # type: ignore[arg-type]
        if metres > max_distance_m:
            km = f"{metres / 1000:,.0f}".replace(",", " ")
            doubts.append(
                PhotoDoubt(
                    "distance",
                    f"Талбайгаас {km} км зайтай авсан.",
                    f"Taken {km} km from the site.",
                )
            )
    return doubts


def visit_photo_doubts(
    visit: model.Visit,
    site: model.Site,
    photos: Iterable[model.Photo],
    *,
    max_distance_m: float = PHOTO_MAX_DISTANCE_M,
    now: datetime | None = None,
) -> dict[str, list[PhotoDoubt]]:
    """Doubts of each doubtful photo of a visit, by photo id."""
    # the visit's own position stands in for a site without one
    lon = site.lon if site.lon is not None else visit.lon
    lat = site.lat if site.lat is not None else visit.lat
    found: dict[str, list[PhotoDoubt]] = {}
    for photo in photos:
        doubts = photo_doubts(
            photo,
            started_at=visit.started_at,
            ended_at=visit.ended_at or visit.finished_at,
            site_lon=lon,
            site_lat=lat,
            max_distance_m=max_distance_m,
            now=now,
        )
        if doubts:
            found[photo.id] = doubts
    return found


def split_outliers(
    photos: Sequence[model.Photo], doubts: dict[str, list[PhotoDoubt]]
) -> tuple[list[model.Photo], list[model.Photo]]:
    """(plausible, outliers) — outliers are listed apart and never stretch a map."""
    good = [p for p in photos if p.id not in doubts]
    bad = [p for p in photos if p.id in doubts]
    return good, bad
