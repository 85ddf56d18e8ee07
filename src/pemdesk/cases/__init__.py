"""Findings that get resolved (Qt-free): finding cases with an append-only lifecycle, grievances,
Environmental Management Plan commitments and their assessments, and every party's sign-off or
dissent on a visit. Storage is in ``pemdesk.storage.cases``; the sync schema in ``sync_schema``.
"""
