"""What a committee checks before a visit is sealed (Qt-free; the visit editor's review page
shows it and seals only when nothing blocks; ``finish_visit`` refuses missing or impossible
entries and what registered sections mark as blocking).

The review is a list of sections, each a list of items. Other modules add sections by appending
``"module:function"`` to ``REVIEW_SECTIONS``; the function is called as
``function(store, detail)`` and returns a ``ReviewSection`` or None (nothing to say). Example:
the sign-off of participants (``pemdesk.cases``) adds a section whose items block sealing until
every participant has signed.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from pemdesk import model
from pemdesk.errors import PemdeskError
from pemdesk.plausibility import PHOTO_MAX_DISTANCE_M, visit_date_problems, visit_photo_doubts
from pemdesk.storage import Store, VisitDetail

log = logging.getLogger(__name__)

Level = Literal["block", "warn", "info", "ok"]

# "module:function" entries, each called as function(store, detail) -> ReviewSection | None.
REVIEW_SECTIONS: list[str] = ["pemdesk.cases.review:signoff_section"]


@dataclass
class ReviewItem:
    """One line of the review. ``level`` "block" stops sealing; ``action`` names what the page
    can do about it (e.g. "detach_photo" for ``record_id``), ``page`` where to correct it."""

    mn: str
    en: str
    level: Level = "info"
    record_id: str | None = None
    action: str | None = None
    page: str | None = None  # "general", "participants", "observations", "findings", "photos"

    def text(self, lang: str) -> str:
        return self.mn if lang == "mn" else self.en


@dataclass
class ReviewSection:
    key: str
    title_mn: str
    title_en: str
    items: list[ReviewItem] = field(default_factory=list)
    empty_mn: str = "Байхгүй."
    empty_en: str = "None."

    def title(self, lang: str) -> str:
        return self.title_mn if lang == "mn" else self.title_en

    def empty(self, lang: str) -> str:
        return self.empty_mn if lang == "mn" else self.empty_en


@dataclass
class Review:
    visit_id: str
    sections: list[ReviewSection]

    @property
    def blocking(self) -> list[ReviewItem]:
        return [i for s in self.sections for i in s.items if i.level == "block"]

    @property
    def can_seal(self) -> bool:
        return not self.blocking

    def section(self, key: str) -> ReviewSection:
        return next(s for s in self.sections if s.key == key)


def _required(store: Store, detail: VisitDetail, now: datetime | None) -> ReviewSection:
    from pemdesk.visits import finish_problems

    section = ReviewSection(
        "required", "Дутуу эсвэл буруу мэдээлэл", "Missing or impossible entries",
        empty_mn="Бүх шаардлагатай мэдээлэл бөглөгдсөн.",
        empty_en="Everything required is filled in.",
    )  # fmt: skip
    seen: set[str] = set()
    problems = [
        *visit_date_problems(detail.visit.started_at, detail.visit.ended_at, now),
        *finish_problems(store, detail.visit.id),
    ]
    for problem in problems:
        if problem.en in seen:
            continue
        seen.add(problem.en)
        page = "participants" if "participant" in problem.en else "general"
        if "observation, finding or photo" in problem.en:
            page = "observations"
        section.items.append(ReviewItem(problem.mn, problem.en, "block", page=page))
    return section


def _participants(detail: VisitDetail, confirmed: set[str] | None = None) -> ReviewSection:
    """``confirmed``: person ids and names with a sign-off recorded (``pemdesk.cases``)."""
    from pemdesk.labels import label

    confirmed = confirmed or set()

    section = ReviewSection(
        "participants", "Оролцогчид ба гарын үсэг", "Participants and their sign-off",
        empty_mn="Оролцогч алга.", empty_en="No participants.",
    )  # fmt: skip
    for participant, person in detail.participants:
        org = f", {person.organisation}" if person.organisation else ""
        if person.id in confirmed or person.name.strip() in confirmed:
            section.items.append(ReviewItem(
                f"{person.name} — {label(participant.role, 'mn')}{org}: баталгаажуулсан",
                f"{person.name} — {label(participant.role, 'en')}{org}: sign-off recorded",
                "ok", record_id=participant.id, page="participants"))
            continue
        section.items.append(
            ReviewItem(
                f"{person.name} — {label(participant.role, 'mn')}{org}: гарын үсэг бүртгээгүй",
                f"{person.name} — {label(participant.role, 'en')}{org}: no sign-off recorded",
                "info",
                record_id=participant.id,
                page="participants",
            )
        )
    return section


def _exceedances(detail: VisitDetail) -> ReviewSection:
    from pemdesk.catalogue import Catalogue

    catalogue = Catalogue.load()
    section = ReviewSection(
        "exceedances", "Хязгаараас давсан хэмжилт", "Observations above their limits",
        empty_mn="Хязгаараас давсан хэмжилт алга.", empty_en="No observation above a limit.",
    )  # fmt: skip
    for obs in detail.observations:
        if obs.indicator not in catalogue or obs.value_num is None:
            continue
        indicator = catalogue.get(obs.indicator)
        try:
            broken = catalogue.exceedances(obs.indicator, obs.value_num)
        except PemdeskError:
            continue
        broken.sort(key=lambda limit: not limit.is_national)
        for limit in broken:
            value = indicator.format_value(obs.value_num, "en")
            unit = f" {indicator.unit}" if indicator.unit and indicator.unit != "count" else ""
            section.items.append(
                ReviewItem(
                    f"{indicator.name('mn')} {value}{unit}: {indicator.exceedance_text(limit, 'mn')}",
                    f"{indicator.name('en')} {value}{unit}: {indicator.exceedance_text(limit, 'en')}",
                    "warn",
                    record_id=obs.id,
                    action="make_finding",
                    page="observations",
                )
            )
    return section


def _findings(detail: VisitDetail) -> ReviewSection:
    from pemdesk.labels import label
    from pemdesk.reports.common import finding_category

    section = ReviewSection(
        "findings", "Илрүүлэлт", "Findings",
        empty_mn="Илрүүлэлт бүртгээгүй.", empty_en="No findings recorded.",
    )  # fmt: skip
    for f in detail.findings:
        mn = f"{finding_category(f.category, 'mn')}: {f.description} ({label(f.severity, 'mn')})"
        en = f"{finding_category(f.category, 'en')}: {f.description} ({label(f.severity, 'en')})"
        section.items.append(ReviewItem(mn, en, "info", record_id=f.id, page="findings"))
    return section


def _photos(detail: VisitDetail, max_distance_m: float, now: datetime | None) -> ReviewSection:
    section = ReviewSection(
        "photos", "Эргэлзээтэй зураг", "Doubtful photos",
        empty_mn="Бүх зураг үзлэгийн цаг, байршилд тохирч байна.",
        empty_en="Every photo fits the visit's time and place.",
    )  # fmt: skip
    doubts = visit_photo_doubts(
        detail.visit, detail.site, detail.photos, max_distance_m=max_distance_m, now=now
    )
    for photo in detail.photos:
        if photo.id not in doubts:
            continue
        name = photo.original_name or photo.sha256[:12]
        why = doubts[photo.id]
        section.items.append(
            ReviewItem(
                f"{name}: " + " ".join(d.mn for d in why),
                f"{name}: " + " ".join(d.en for d in why),
                "block",
                record_id=photo.id,
                action="detach_photo",
                page="photos",
            )
        )
    return section


def _extra_sections(store: Store, detail: VisitDetail) -> list[ReviewSection]:
    found = []
    for entry in REVIEW_SECTIONS:
        module_name, _sep, function = entry.partition(":")
        make: Callable[[Store, VisitDetail], ReviewSection | None] = getattr(
            importlib.import_module(module_name), function
        )
        section = make(store, detail)
        if section is not None:
            found.append(section)
    return found


def _confirmed(store: Store, visit_id: str) -> set[str]:
    from pemdesk.storage.cases import signoffs_of

    return {x for s in signoffs_of(store, visit_id) for x in (s.person_id, s.name.strip()) if x}


def review_visit(
    store: Store,
    visit_id: str,
    *,
    max_photo_distance_m: float = PHOTO_MAX_DISTANCE_M,
    now: datetime | None = None,
) -> Review:
    """Everything to look at before sealing; ``Review.can_seal`` says whether it may be sealed.

    Doubtful photos block: detach them (they stay among the unassigned photos) before sealing.
    """
    detail = store.visit_detail(visit_id)
    sections = [
        _required(store, detail, now),
        _participants(detail, _confirmed(store, visit_id)),
        _exceedances(detail),
        _findings(detail),
        _photos(detail, max_photo_distance_m, now),
        *_extra_sections(store, detail),
    ]
    return Review(visit_id, sections)


# Sections whose blocking items ``finish_visit`` itself enforces. Doubtful photos block on the
# review page (where every visit of the GUI is sealed), not in the core, so that scripted and
# synced workflows keep a photo whose clock or GPS was wrong as evidence, flagged.
CORE_SECTIONS = frozenset({"required"})


def finish_blockers(store: Store, visit_id: str) -> list[ReviewItem]:
    """What stops ``visits.finish_visit``: missing or impossible entries, and the blocking
    items of sections other modules registered."""
    review = review_visit(store, visit_id)
    builtin = {"participants", "exceedances", "findings", "photos"}
    return [
        item
        for section in review.sections
        if section.key in CORE_SECTIONS or section.key not in builtin
        for item in section.items
        if item.level == "block"
    ]


def is_finished(visit: model.Visit) -> bool:
    return visit.status == model.VisitStatus.FINISHED
