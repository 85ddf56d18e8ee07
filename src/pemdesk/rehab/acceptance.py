"""The commission's acceptance of a plot: members, date, decision, and a criteria checklist that
is data (``resources/rehab/acceptance_criteria.json``), each criterion with its source.

Only criteria that can be cited are shipped; what the standard requires but we could not read is
one item marked ``unknown`` (see resources/rehab/SOURCES.md).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from typing import Any

from pemdesk.errors import InvalidInput
from pemdesk.model import PlotStage
from pemdesk.rehab.records import Acceptance, AcceptanceKind, Decision

ANSWERS = ("yes", "no", "unknown")


@dataclass(frozen=True)
class Criterion:
    code: str
    kinds: tuple[str, ...]
    mn: str
    en: str
    source: str
    status: str  # cited | method | unknown

    def text(self, lang: str) -> str:
        return self.mn if lang == "mn" else self.en


@dataclass(frozen=True)
class Checklist:
    standard_code: str
    standard_title_mn: str
    standard_title_en: str
    note_mn: str
    note_en: str
    criteria: tuple[Criterion, ...]

    def for_kind(self, kind: AcceptanceKind | str) -> list[Criterion]:
        return [c for c in self.criteria if str(kind) in c.kinds]

    @property
    def source_label(self) -> str:
        return f"{self.standard_code} / pemdesk checklist v1"


@cache
def checklist() -> Checklist:
    from pemdesk.resources import resource_path

    raw: dict[str, Any] = json.loads(
        resource_path("rehab", "acceptance_criteria.json").read_text(encoding="utf-8")
    )
    std = raw["standard"]
    return Checklist(
        std["code"],
        std["title_mn"],
        std["title_en"],
        std["note_mn"],
        std["note_en"],
        tuple(
            Criterion(c["code"], tuple(c["kinds"]), c["mn"], c["en"], c["source"], c["status"])
            for c in raw["criteria"]
        ),
    )


def check_acceptance(act: Acceptance) -> Acceptance:
    """Validate an act before it is saved (bilingual errors; nothing saved on error)."""
    from datetime import date

    try:
        date.fromisoformat(act.accepted_on[:10])
    except ValueError as exc:
        raise InvalidInput(
            f"Хүлээн авсан огноо буруу: «{act.accepted_on}»",
            f"Not a date of acceptance: “{act.accepted_on}”",
        ) from exc
    act.accepted_on = act.accepted_on[:10]
    AcceptanceKind(act.kind)
    Decision(act.decision)
    members = [m for m in act.members if str(m.get("name", "")).strip()]
    if not members:
        raise InvalidInput(
            "Комиссын гишүүдийг (дор хаяж нэгийг) оруулна уу.",
            "Enter the commission's members (at least one).",
        )
    act.members = [
        {
            "name": str(m.get("name", "")).strip(),
            "role": str(m.get("role", "")).strip(),
            "organisation": str(m.get("organisation", "")).strip(),
        }
        for m in members
    ]
    codes = {c.code for c in checklist().criteria}
    for code, answer in act.criteria.items():
        if code not in codes and not code.startswith("custom:"):
            raise InvalidInput(f"Үл мэдэгдэх шалгуур: {code}", f"Unknown criterion: {code}")
        if answer not in ANSWERS:
            raise InvalidInput(f"Шалгуурын хариу буруу: {answer}", f"Not an answer: {answer}")
    act.criteria_source = act.criteria_source or checklist().source_label
    return act


def stage_after(act: Acceptance) -> PlotStage | None:
    """The stage an accepted act moves the plot to: an accepted biological rehabilitation is
    handed over; a technical acceptance opens the biological stage."""
    if act.decision != Decision.ACCEPTED:
        return None
    return PlotStage.HANDED_OVER if act.kind == AcceptanceKind.BIOLOGICAL else PlotStage.BIOLOGICAL
