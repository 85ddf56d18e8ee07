"""The visit workflow (Qt-free): start a draft, save it as it is edited, finish it, amend it.

A draft is saved whole and often (the editor autosaves about a second after each change):
``save_draft`` writes the visit and makes its participants, observations and findings in the store
equal to the ones given, in one transaction, touching only what changed (so the outbox records
real edits only). ``finish_visit`` checks the rules and locks the visit; ``FINISH_HOOKS`` (sealing)
run inside the same transaction just before it is locked. A finished visit is never edited:
``amend_visit`` makes a new draft revision that supersedes it, and the earlier one stays.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field

from pemdesk import model
from pemdesk.errors import InvalidInput, NotFound
from pemdesk.ids import new_id, utc_now
from pemdesk.storage import Store

# Called as hook(store, visit) inside finish_visit's transaction, while the visit is still a draft
# and before it is saved as finished: a hook may set fields on ``visit`` (e.g. seal_digest,
# seal_signature, seal_key), which are saved together with the status. ``pemdesk.seal.seal_visit``
# is called the same way when that module exists.
FINISH_HOOKS: list[Callable[[Store, model.Visit], object]] = []
# Called as hook(store, old, new, copies) inside amend_visit's transaction once the new revision
# and copies of its records exist; ``copies`` maps each old record id to its copy's id.
AMEND_HOOKS: list[Callable[[Store, model.Visit, model.Visit, dict[str, str]], object]] = []


@dataclass
class Draft:
    """What the editor hands over to be saved: the visit and its children as they are now."""

    visit: model.Visit
    participants: list[model.Participant] = field(default_factory=list)
    observations: list[model.Observation] = field(default_factory=list)
    findings: list[model.Finding] = field(default_factory=list)

    def copy(self) -> Draft:
        return copy.deepcopy(self)


def start_visit(
    store: Store,
    site_id: str,
    *,
    started_at: str | None = None,
    monitor: model.Person | None = None,
    plot_ids: list[str] | None = None,
) -> model.Visit:
    """A new draft visit at a site, positioned at the site; ``monitor`` (the user) takes part."""
    site = store.get(model.Site, site_id)
    visit = model.Visit(
        site_id=site_id,
        started_at=started_at or utc_now(),
        lon=site.lon,
        lat=site.lat,
        position_source=model.PositionSource.SITE if site.lon is not None else None,
        plot_ids=list(plot_ids or []),
    )
    with store.atomic():
        if monitor is not None:
            if not store.exists(model.Person, monitor.id):
                store.save(monitor)
            visit.created_by = monitor.id
        store.save(visit)
        if monitor is not None:
            store.save(
                model.Participant(visit_id=visit.id, person_id=monitor.id, role=monitor.role)
            )
    return visit


def load_draft(store: Store, visit_id: str) -> Draft:
    detail = store.visit_detail(visit_id)
    return Draft(
        visit=detail.visit,
        participants=[p for p, _person in detail.participants],
        observations=detail.observations,
        findings=detail.findings,
    )


def save_draft(store: Store, draft: Draft) -> None:
    """Make the stored visit and its children equal to ``draft`` (only changes are written)."""
    with store.atomic():
        store.save(draft.visit)
        visit_id = draft.visit.id
        _sync_children(
            store, model.Participant, draft.participants, store.visit_detail(visit_id).participants
        )
        _sync_children(
            store, model.Observation, draft.observations, store.observations_of(visit_id)
        )
        _sync_children(store, model.Finding, draft.findings, store.findings_of(visit_id))


def _sync_children(store: Store, record_type: type, wanted: list, stored: list) -> None:
    stored_records = [s[0] if isinstance(s, tuple) else s for s in stored]
    by_id = {r.id: r for r in stored_records}
    wanted_ids = {w.id for w in wanted}
    for record in wanted:
        if by_id.get(record.id) != record:
            store.save(record)
    for record in stored_records:
        if record.id not in wanted_ids:
            store.delete(record_type, record.id)


def finish_problems(store: Store, visit_id: str) -> list[InvalidInput]:
    """Why the visit cannot be finished yet (empty when it can)."""
    detail = store.visit_detail(visit_id)
    v = detail.visit
    problems = []
    if not v.started_at:
        problems.append(InvalidInput("Эхэлсэн цагийг оруулна уу.", "Enter the start time."))
    if not v.purpose.strip():
        problems.append(
            InvalidInput("Үзлэгийн зорилгыг оруулна уу.", "Enter the purpose of the visit.")
        )
    no_position = v.lon is None or v.lat is None
    if no_position and (detail.site.lon is None or detail.site.lat is None):
        problems.append(
            InvalidInput("Үзлэгийн байршлыг оруулна уу.", "Enter the position of the visit.")
        )
    from pemdesk.plausibility import visit_date_problems

    problems.extend(visit_date_problems(v.started_at, v.ended_at))
    if not detail.participants:
        problems.append(
            InvalidInput("Дор хаяж нэг оролцогч нэмнэ үү.", "Add at least one participant.")
        )
    if not (detail.observations or detail.findings or detail.photos):
        problems.append(
            InvalidInput(
                "Дор хаяж нэг хэмжилт, илрүүлэлт эсвэл зураг нэмнэ үү.",
                "Add at least one observation, finding or photo.",
            )
        )
    return problems


def finish_visit(store: Store, visit_id: str) -> model.Visit:
    """Validate and lock a draft visit (sealing hooks run first, in the same transaction)."""
    with store.atomic():
        visit = store.get(model.Visit, visit_id)
        if visit.status == model.VisitStatus.FINISHED:
            return visit
        from pemdesk.review import finish_blockers

        problems = finish_blockers(store, visit_id)
        if problems:
            raise InvalidInput(
                " ".join(p.mn for p in problems),
                " ".join(p.en for p in problems),
                detail=f"visit {visit_id}",
            )
        if visit.lon is None or visit.lat is None:
            site = store.get(model.Site, visit.site_id)
            visit.lon, visit.lat, visit.position_source = (
                site.lon,
                site.lat,
                model.PositionSource.SITE,
            )
        now = utc_now()
        visit.ended_at = visit.ended_at or now
        visit.finished_at = now
        for hook in _finish_hooks():
            hook(store, visit)
        # Saved as a draft first (hooks' fields), then locked: the store refuses edits after that.
        store.save(visit)
        store.save(dataclasses.replace(visit, status=model.VisitStatus.FINISHED))
        return store.get(model.Visit, visit_id)


def _finish_hooks() -> list[Callable[[Store, model.Visit], object]]:
    # Sealing is not optional: a broken seal module fails the finish instead of skipping it.
    from pemdesk.seal import seal_visit

    hooks = list(FINISH_HOOKS)
    if seal_visit not in hooks:
        hooks.append(seal_visit)
    return hooks


def latest_revision(store: Store, visit_id: str) -> model.Visit:
    """The newest revision in the chain that starts at or passes through ``visit_id``."""
    current = store.get(model.Visit, visit_id)
    while True:
        newer = store.visit_superseding(current.id)
        if newer is None:
            return current
        current = newer


def revisions(store: Store, visit_id: str) -> list[model.Visit]:
    """Every revision of a visit, oldest first."""
    chain = [latest_revision(store, visit_id)]
    while chain[0].supersedes:
        try:
            chain.insert(0, store.get(model.Visit, chain[0].supersedes))
        except NotFound:
            break
    return chain


def amend_visit(store: Store, visit_id: str, *, by: str | None = None) -> model.Visit:
    """A new draft revision of a finished visit, with copies of its records; the old one stays.

    If a draft revision already exists it is returned instead of making a second one.
    """
    with store.atomic():
        old = store.get(model.Visit, visit_id)
        newer = store.visit_superseding(visit_id)
        if newer is not None:
            if newer.status == model.VisitStatus.DRAFT:
                return newer
            raise InvalidInput(
                "Энэ үзлэгийн шинэ хувилбар аль хэдийн байна; сүүлийн хувилбарыг засна уу.",
                "This visit already has a newer revision; amend the latest one.",
                detail=f"{visit_id} is superseded by {newer.id}",
            )
        if old.status != model.VisitStatus.FINISHED:
            return old  # a draft is simply edited
        detail = store.visit_detail(visit_id)
        new = dataclasses.replace(
            old,
            id=new_id(),
            status=model.VisitStatus.DRAFT,
            revision=old.revision + 1,
            supersedes=old.id,
            finished_at=None,
            seal_digest=None,
            seal_signature=None,
            seal_key=None,
            created_by=by or old.created_by,
            plot_ids=list(old.plot_ids),
        )
        store.save(new)
        for participant, _person in detail.participants:
            store.save(dataclasses.replace(participant, id=new_id(), visit_id=new.id))
        copies: dict[str, str] = {}  # old record id -> its copy in the new revision
        for obs in detail.observations:
            copies[obs.id] = store.save(dataclasses.replace(obs, id=new_id(), visit_id=new.id)).id
        for finding in detail.findings:
            copies[finding.id] = store.save(
                dataclasses.replace(finding, id=new_id(), visit_id=new.id)).id
        for photo in detail.photos:
            copies[photo.id] = store.save(
                dataclasses.replace(photo, id=new_id(), visit_id=new.id)).id
        from pemdesk.storage.cases import carry_over  # cases, assessments: pemdesk.cases

        for hook in (carry_over, *AMEND_HOOKS):
            hook(store, old, new, copies)
        return new
