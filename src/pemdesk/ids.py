"""Identifiers and timestamps made on the device (UUIDv7, UTC ISO-8601)."""

from __future__ import annotations

from datetime import UTC, datetime


def new_id() -> str:
    """A UUIDv7 in canonical text form: no coordination needed, sorts roughly by creation."""
    import uuid6  # here, not at the top: it imports importlib.metadata (~25 ms of start-up)

    return str(uuid6.uuid7())


def utc_now() -> str:
    """The current UTC time as ISO-8601 with milliseconds and a ``Z``."""
    return to_iso(datetime.now(UTC))


def to_iso(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("naive datetimes are ambiguous; give a timezone")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def parse_iso(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def short(record_id: str) -> str:
    """Eight characters that tell records apart in a table.

    A UUIDv7 begins with its creation time, so records made in the same minute share their first
    eight characters; the last eight are random.
    """
    return record_id[-8:]
