"""Local SQLite store: all SQL of the program lives in this package."""

from pemdesk.storage.store import Store, VisitDetail, VisitFilter

__all__ = ["Store", "VisitDetail", "VisitFilter"]
