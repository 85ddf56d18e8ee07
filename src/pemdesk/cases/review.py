"""The sign-off section of the review before sealing (registered in ``pemdesk.review``).

Once the committee has started signing on the laptop, every participant must be accounted for
before the visit is sealed: signed, typed name, dissent or marked absent (a blocking item each).
A visit nobody signed on the laptop is only warned about, so visits signed on paper, scripted
imports and older workflows still seal. Every dissent is listed, with its reason.
"""

from __future__ import annotations

from pemdesk.cases.records import SignKind, case_label
from pemdesk.labels import label
from pemdesk.review import ReviewItem, ReviewSection
from pemdesk.storage import Store, VisitDetail
from pemdesk.storage import cases as cs


def signoff_section(store: Store, detail: VisitDetail) -> ReviewSection:
    section = ReviewSection(
        "signoffs", "Талуудын баталгаажуулалт", "Sign-off by the parties",
        empty_mn="Оролцогч бүр баталгаажуулсан.", empty_en="Every participant has confirmed.",
    )  # fmt: skip
    signoffs = cs.signoffs_of(store, detail.visit.id)
    by_person = {s.person_id for s in signoffs if s.person_id}
    by_name = {s.name.strip() for s in signoffs}
    started = bool(signoffs)
    for participant, person in detail.participants:
        if person.id in by_person or person.name.strip() in by_name:
            continue
        role_mn, role_en = label(participant.role, "mn"), label(participant.role, "en")
        if started:
            section.items.append(ReviewItem(
                f"{person.name} ({role_mn}): гарын үсэг зураагүй, санал зөрөлдөөгүй, эрт явсан "
                "гэж тэмдэглээгүй",
                f"{person.name} ({role_en}): has not signed, dissented or been marked absent",
                "block", record_id=participant.id))
        else:
            section.items.append(ReviewItem(
                f"{person.name} ({role_mn}): компьютер дээр баталгаажуулаагүй",
                f"{person.name} ({role_en}): has not confirmed on the laptop",
                "warn", record_id=participant.id))
    for s in signoffs:
        if s.kind == SignKind.DISSENT:
            section.items.append(ReviewItem(
                f"{s.name}: {case_label(s.kind, 'mn')} — {s.reason}",
                f"{s.name}: {case_label(s.kind, 'en')} — {s.reason}", "warn", record_id=s.id))
    return section
