"""The record filter shared by exports (desktop command, File menu, web portal) and portal pages:
aimag, soum, site, year, plot stage and a date range of visits."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

LATEST = "NOT EXISTS (SELECT 1 FROM visit n WHERE n.supersedes = v.id AND n._deleted = 0)"


@dataclass(frozen=True)
class RecordFilter:
    aimag: str = ""
    soum: str = ""
    site: str = ""
    year: int | None = None
    stage: str = ""
    date_from: str = ""  # ISO date, inclusive
    date_to: str = ""  # ISO date, inclusive
    sites: frozenset[str] | None = None  # only these sites (a visitor's visible ones)
    finished_only: bool = False

    def visit_where(self, v: str = "v", s: str = "s") -> tuple[str, list[Any]]:
        """SQL over ``visit v JOIN site s``: the latest revision of each visit that matches."""
        clauses = [f"{v}._deleted = 0", LATEST.replace("v.id", f"{v}.id")]
        params: list[Any] = []
        site_sql, site_params = self.site_where(s)
        clauses.append(site_sql)
        params += site_params
        if self.year:
            clauses.append(f"substr({v}.started_at, 1, 4) = ?")
            params.append(str(self.year))
        if self.date_from:
            clauses.append(f"{v}.started_at >= ?")
            params.append(self.date_from)
        if self.date_to:
            clauses.append(f"{v}.started_at <= ?")
            params.append(self.date_to + "~")  # the whole last day
        if self.finished_only:
            clauses.append(f"{v}.status = 'finished'")
        return " AND ".join(clauses), params

    def site_where(self, s: str = "s") -> tuple[str, list[Any]]:
        clauses, params = [f"{s}._deleted = 0"], []
        for column, value in ((f"{s}.aimag_code", self.aimag), (f"{s}.soum_code", self.soum),
                              (f"{s}.id", self.site)):
            if value:
                clauses.append(f"{column} = ?")
                params.append(value)
        if self.sites is not None:
            clauses.append(f"{s}.id IN ({','.join('?' for _ in self.sites) or 'NULL'})")
            params += sorted(self.sites)
        return " AND ".join(clauses), params

    def plot_where(self, p: str = "p", s: str = "s") -> tuple[str, list[Any]]:
        sql, params = self.site_where(s)
        sql = f"{p}._deleted = 0 AND {sql}"
        if self.stage:
            sql += f" AND {p}.stage = ?"
            params.append(self.stage)
        return sql, params
