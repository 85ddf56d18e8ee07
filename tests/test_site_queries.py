"""Queries run at every site chosen in the main window stay a fixed number, however many visits
the site has (issue 16: a site with 1,000 visits held the database thread for 150 ms)."""

from __future__ import annotations

from factories import make_site, make_visit
from pemdesk import model
from pemdesk.storage import Store, VisitFilter
from pemdesk.storage import rehab as rs
from pemdesk.ui.rehab.panel import load_site


def _photo(store: Store, visit: model.Visit, taken: str, n: int) -> model.Photo:
    return store.save(model.Photo(sha256=f"{n:064x}", visit_id=visit.id, taken_at=taken))


def test_site_photos_in_one_query_match_the_photos_of_each_visit(store: Store) -> None:
    site, other = make_site(store), make_site(store, "Өөр уурхай")
    old = make_visit(store, site, "2024-06-01T02:00:00.000Z")
    new = make_visit(store, site, "2026-06-01T02:00:00.000Z")
    same_day = make_visit(store, site, "2026-06-01T02:00:00.000Z")
    _photo(store, old, "2024-06-01T03:00:00.000Z", 1)
    _photo(store, new, "2026-06-01T05:00:00.000Z", 2)
    _photo(store, new, "2026-06-01T04:00:00.000Z", 3)
    gone = _photo(store, new, "2026-06-01T04:30:00.000Z", 4)
    store.delete(model.Photo, gone.id)
    _photo(store, same_day, "2026-06-01T06:00:00.000Z", 5)
    # a superseded revision's photos are not listed; its successor's are
    revised = store.save(
        model.Visit(site_id=site.id, started_at=old.started_at, revision=2, supersedes=old.id)
    )
    _photo(store, revised, "2024-06-01T03:00:00.000Z", 6)
    deleted = make_visit(store, site, "2025-06-01T02:00:00.000Z")
    _photo(store, deleted, "2025-06-01T03:00:00.000Z", 7)
    store.delete(model.Visit, deleted.id)
    _photo(store, make_visit(store, other), "2026-06-01T03:00:00.000Z", 8)

    one_per_visit = [
        p
        for v in store.list_visits(VisitFilter(site_id=site.id))
        for p in store.visit_detail(v.id).photos
    ]
    got = rs.site_visit_photos(store, site.id)
    assert got == one_per_visit
    order = [p.sha256[-1] for p in got]  # two visits at the same time: ordered by id
    assert order in (["5", "3", "2", "6"], ["3", "2", "5", "6"])
    assert rs.site_visit_photos(store, "no such site") == []


def test_the_rehabilitation_tab_reads_a_site_in_a_fixed_number_of_queries(store: Store) -> None:
    site = make_site(store)

    def queries_for_site() -> int:
        statements: list[str] = []
        store.conn.set_trace_callback(statements.append)
        try:
            load_site(store, site.id)
        finally:
            store.conn.set_trace_callback(None)
        return len(statements)

    for day in range(1, 4):
        make_visit(store, site, f"2026-06-{day:02d}T02:00:00.000Z")
    few = queries_for_site()
    for day in range(4, 29):
        make_visit(store, site, f"2026-06-{day:02d}T02:00:00.000Z")
    assert queries_for_site() == few
