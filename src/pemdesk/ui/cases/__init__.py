"""The cases in the program: a window with the findings register, complaints and EMP commitments
(Tools menu), the visit editor's follow-up, commitments and sign-off pages, and their reports."""

from __future__ import annotations

from typing import Any

from pemdesk.labels import N_


def _register_reports() -> None:
    """The cases' reports, made on the database thread by the report preview."""
    from pemdesk.ui.reports import jobs

    def followup(store: Any, key: str, out: Any, lang: str, public: bool) -> None:
        from pemdesk.reports.cases import write_followup

        write_followup(store, key, out, lang=lang, public=public)

    def compliance(store: Any, key: str, out: Any, lang: str, public: bool) -> None:
        from pemdesk.reports.cases import write_compliance

        if key.startswith("MN-"):
            write_compliance(store, out, aimag_code=key, lang=lang)
        else:
            write_compliance(store, out, site_id=key, lang=lang)

    def grievance(store: Any, key: str, out: Any, lang: str, public: bool) -> None:
        from pemdesk.reports.cases import write_grievance_slip

        write_grievance_slip(store, key, out, lang=lang, public=public)

    def name(prefix: str) -> Any:
        return lambda store, key, lang, public: f"{prefix}_{key[:8]}.pdf"

    for kind, maker in (("followup", followup), ("compliance", compliance),
                        ("grievance", grievance)):
        jobs.MAKERS[kind] = maker
        jobs.NAMERS[kind] = name(kind)


def install(window: Any) -> None:
    """Main-window plug-in: Tools → Findings, complaints and commitments."""
    _register_reports()

    def open_window() -> Any:
        from pemdesk.ui.cases.register import CasesWindow

        existing = getattr(window, "cases_window", None)
        if existing is None:
            existing = window.cases_window = CasesWindow(window)
            window.language_changed.connect(lambda _lang: existing.retranslate())
        existing.show()
        existing.raise_()
        return existing

    window.open_cases = open_window
    window.add_action(window.menu_tools, N_("Findings, complaints and commitments…"), open_window,
                      "Ctrl+Shift+G")
