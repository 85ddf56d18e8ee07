"""A finding's status, derived from its append-only steps (no status is ever stored).

Steps are ordered by date, then by when they were recorded; two answers written offline by two
parties are both kept and both shown. The status after the steps:

* no step: open; a response: answered;
* a re-inspection: resolved if the fix was seen, else re-inspected (partly) or reopened (not);
* an explicit resolve or reopen step sets it; notes change nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from pemdesk.cases.records import CaseStatus, FindingStep, Outcome, StepKind


def ordered(steps: Iterable[FindingStep], created: dict[str, str] | None = None) -> list[FindingStep]:
    created = created or {}
    return sorted(steps, key=lambda s: (s.on_date, created.get(s.id, ""), s.id))


def status_of(steps: Sequence[FindingStep]) -> CaseStatus:
    status = CaseStatus.OPEN
    for step in steps:
        if step.kind == StepKind.RESPONSE and status in (CaseStatus.OPEN, CaseStatus.REOPENED):
            status = CaseStatus.ANSWERED
        elif step.kind == StepKind.REINSPECTION:
            status = {
                Outcome.RESOLVED: CaseStatus.RESOLVED,
                Outcome.PARTLY: CaseStatus.REINSPECTED,
                Outcome.NOT_RESOLVED: CaseStatus.REOPENED,
            }.get(step.outcome or Outcome.NOT_RESOLVED, CaseStatus.REOPENED)
        elif step.kind == StepKind.RESOLVED:
            status = CaseStatus.RESOLVED
        elif step.kind == StepKind.REOPENED:
            status = CaseStatus.REOPENED
    return status


def is_open(status: CaseStatus) -> bool:
    return status != CaseStatus.RESOLVED


def is_overdue(status: CaseStatus, due_on: str | None, today: date | None = None) -> bool:
    """Past its due date and not resolved."""
    if not due_on or not is_open(status):
        return False
    try:
        due = date.fromisoformat(due_on[:10])
    except ValueError:
        return False
    return due < (today or date.today())


def days_between(first: str, last: date | None = None) -> int:
    """Whole days from a date (or date-time) to ``last`` (today by default)."""
    start = date.fromisoformat(first[:10])
    return max(0, ((last or date.today()) - start).days)


@dataclass(frozen=True)
class CaseSummary:
    status: CaseStatus
    overdue: bool
    steps: int
