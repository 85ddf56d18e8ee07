"""The rehabilitation area of the GUI: a "Rehabilitation" tab (stage history, acceptance,
vegetation cover from photos), the coordinators' targets editor (Tools menu), the national
summary (Reports menu) and the map's time slider."""

from __future__ import annotations

from datetime import date
from typing import Any

from pemdesk.labels import N_


def install(window: Any) -> None:
    from pemdesk.ui.rehab.panel import RehabPanel

    panel = RehabPanel(window)
    window.add_tab(panel, N_("Rehabilitation"))
    window.rehab_panel = panel
    window.language_changed.connect(panel.retranslate)
    window.add_action(window.menu_tools, N_("Rehabilitation targets…"), lambda: open_targets(window))
    window.add_action(window.menu_reports, N_("National rehabilitation summary…"),
                      lambda: print_national(window))
    install_time_slider(window)


def install_time_slider(window: Any) -> Any:
    """The time slider above the map (when the map is there): it only calls ``set_as_of``."""
    from pemdesk.ui.rehab.time_slider import TimeSlider

    map_widget = getattr(window, "map_widget", None)
    if map_widget is None:
        return None
    slider = TimeSlider(map_widget)
    layout = map_widget.layout()
    layout.insertWidget(1, slider)  # under the map's tool bar
    slider.as_of_changed.connect(map_widget.set_as_of)
    window.language_changed.connect(slider.retranslate)
    window.rehab_time_slider = slider

    def span(store: Any) -> tuple[str, str] | None:
        from pemdesk.storage.rehab import history_span

        return history_span(store)

    def apply(result: tuple[str, str] | None) -> None:
        if result is not None:
            slider.set_range(date.fromisoformat(result[0]), date.fromisoformat(result[1]))

    window.ops.run(span, apply)
    window.ops.changed.connect(lambda: window.ops.run(span, apply))
    return slider


def open_targets(window: Any) -> None:
    from pemdesk.ui.rehab.dialogs import TargetsDialog

    TargetsDialog(window.ops, window).exec()


def print_national(window: Any) -> None:
    from PySide6.QtWidgets import QFileDialog

    from pemdesk.i18n import _, get_language
    from pemdesk.reports.rehab import write_national_report
    from pemdesk.ui.errors import show_error

    path, _filter = QFileDialog.getSaveFileName(
        window, _("National rehabilitation summary…"), "national-rehabilitation.pdf", "PDF (*.pdf)")
    if not path:
        return
    lang = get_language()
    window.ops.run(lambda store: write_national_report(store, path, lang=lang), lambda _r: None,
                   lambda exc: show_error(window, exc))
