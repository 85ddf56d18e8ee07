"""Printed reports (Qt-free, reportlab): the visit report, site summaries, progress by area.

Every report is A4 with the shipped DejaVu fonts embedded, in Mongolian or English whatever the
program's language is, and a footer on every page (page x of y, report id, time, seal digest).
"""

from pemdesk.reports.base import BuiltReport, ReportMeta
from pemdesk.reports.visit import collect_visit, render_visit, write_visit_report

__all__ = ["BuiltReport", "ReportMeta", "collect_visit", "render_visit", "write_visit_report"]
