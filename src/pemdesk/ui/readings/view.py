"""The readings tab: the deployments of the selected site, the chart of one indicator against
its limits, and the averaged figures (valid periods, exceedances, worst days, corrections)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from pemdesk.i18n import _, get_language
from pemdesk.instruments.families import family_name
from pemdesk.ui.readings.chart import LimitLine, ReadingsChart


def load_view_data(store: Any, deployment_id: str, indicator: str, corrected: bool) -> dict[str, Any]:
    """Everything the view shows for one indicator of one deployment (runs on the DB thread)."""
    from pemdesk.catalogue import Catalogue
    from pemdesk.instruments import corrections
    from pemdesk.instruments.model import EXCLUDING
    from pemdesk.instruments.summary import summarise
    from pemdesk.storage import readings as rs

    dep = rs.get_deployment(store, deployment_id)
    t, v, f = rs.series(store, deployment_id, indicator)
    names = tuple(dep["corrections"]) if corrected else ()
    rh = None
    if corrections.EPA2021 in names and indicator == "air.pm25":
        rt, rv, rf = rs.series(store, deployment_id, "met.rh")
        keep = (rf & EXCLUDING) == 0
        rh = (rt[keep], rv[keep])
    v2, applied = corrections.apply(indicator, t, v, names, rh=rh, factor=dep["factor"],
                                    offset=dep["offset"])
    summary = summarise(indicator, t, v2, f, dep["tz"], deployment_id, applied)
    cat = Catalogue.load()
    return {"dep": dep, "t": t, "v": v2, "f": f, "summary": summary,
            "indicator": cat.get(indicator) if indicator in cat else None}


class ReadingsView(QWidget):
    def __init__(self, window: Any) -> None:
        super().__init__()
        self.window_ = window
        self.site_id: str | None = None
        self.deployments = QListWidget()
        self.deployments.currentItemChanged.connect(self.deployment_changed)
        self.indicator = QComboBox()
        self.indicator.setMinimumContentsLength(28)
        self.indicator.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.indicator.currentIndexChanged.connect(self.reload_chart)
        self.corrected = QCheckBox(_("apply the deployment's corrections"))
        self.corrected.setChecked(True)
        self.corrected.toggled.connect(self.reload_chart)
        import_btn = QPushButton(_("Import readings…"))
        import_btn.clicked.connect(self.open_import)
        export_btn = QPushButton(_("Export CSV…"))
        export_btn.clicked.connect(self.export_csv)
        edit_btn = QPushButton(_("Deployment…"))
        edit_btn.clicked.connect(self.edit_deployment)
        imports_btn = QPushButton(_("Imports…"))
        imports_btn.setToolTip(_("The files imported into this deployment; an import can be "
                                 "removed"))
        imports_btn.clicked.connect(self.show_imports)
        # two rows: in Mongolian one row was wider than a 1366-pixel laptop screen
        bar = QHBoxLayout()
        bar.addWidget(QLabel(_("Indicator:")))
        bar.addWidget(self.indicator, 1)
        bar.addWidget(self.corrected)
        actions = QHBoxLayout()
        actions.addStretch(1)
        for button in (edit_btn, imports_btn, import_btn, export_btn):
            actions.addWidget(button)
        self.chart = ReadingsChart()
        self.info = QLabel()
        self.info.setWordWrap(True)
        self.table = QTableWidget(0, 6)
        self.table.setHorizontalHeaderLabels([
            _("limit"), _("valid periods"), _("mean"), _("exceedances"), _("worst period"),
            _("completeness")])
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.setMaximumHeight(170)
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.addLayout(bar)
        rl.addLayout(actions)
        rl.addWidget(self.chart, 3)
        rl.addWidget(self.info)
        rl.addWidget(self.table)
        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.addWidget(QLabel(_("Instrument deployments")))
        ll.addWidget(self.deployments)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(right)
        split.setSizes([260, 900])
        layout = QVBoxLayout(self)
        layout.addWidget(split)

    # --- data ----------------------------------------------------------------------------------
    def show_site(self, site_id: str | None) -> None:
        self.site_id = site_id
        self.refresh()

    def refresh(self) -> None:
        site = self.site_id

        def fetch(store: Any) -> Any:
            from pemdesk.storage import readings as rs

            deps = rs.list_deployments(store, site)
            return [(d, rs.indicators(store, d["id"])) for d in deps]

        self.window_.ops.run(fetch, self.show_deployments)

    def show_deployments(self, rows: list[tuple[dict[str, Any], list[Any]]]) -> None:
        current = self.current_deployment()
        self.deployments.blockSignals(True)
        self.deployments.clear()
        for dep, inds in rows:
            item = QListWidgetItem(
                f"{dep['make'] or family_name(dep['kind'])} {dep['serial']}\n{dep['site_name']} · "
                f"{(dep['first_at'] or '')[:10]} – {(dep['last_at'] or '')[:10]} · "
                f"{dep['readings']} " + _("readings"))
            item.setData(Qt.ItemDataRole.UserRole, (dep["id"], [i[0] for i in inds]))
            self.deployments.addItem(item)
            if dep["id"] == current:
                self.deployments.setCurrentItem(item)
        self.deployments.blockSignals(False)
        if self.deployments.currentItem() is None and self.deployments.count():
            self.deployments.setCurrentRow(0)
        else:
            self.deployment_changed()

    def current_deployment(self) -> str | None:
        item = self.deployments.currentItem()
        return item.data(Qt.ItemDataRole.UserRole)[0] if item is not None else None

    def deployment_changed(self, *_args: Any) -> None:
        from pemdesk.catalogue import Catalogue
        from pemdesk.instruments.columns import AUX_INDICATORS

        item = self.deployments.currentItem()
        self.indicator.blockSignals(True)
        previous = self.indicator.currentData()
        self.indicator.clear()
        if item is not None:
            cat = Catalogue.load()
            lang = get_language()
            codes = item.data(Qt.ItemDataRole.UserRole)[1]
            for code in sorted(codes, key=lambda c: (c not in cat or not cat.get(c).limits, c)):
                name = cat.get(code).name(lang) if code in cat else (
                    AUX_INDICATORS[code][1 if lang == "mn" else 2] if code in AUX_INDICATORS
                    else code)
                self.indicator.addItem(name, code)
            if previous is not None and self.indicator.findData(previous) >= 0:
                self.indicator.setCurrentIndex(self.indicator.findData(previous))
        self.indicator.blockSignals(False)
        self.reload_chart()

    def reload_chart(self, *_args: Any) -> None:
        dep = self.current_deployment()
        code = self.indicator.currentData()
        if not dep or not code:
            return
        corrected = self.corrected.isChecked()
        self.window_.ops.run(lambda store: load_view_data(store, dep, code, corrected),
                             self.show_data)

    def show_data(self, data: dict[str, Any]) -> None:
        from pemdesk.instruments.columns import unit_of
        from pemdesk.instruments.timeparse import resolve_zone

        summary = data["summary"]
        ind = data["indicator"]
        lang = get_language()
        limits = []
        if ind is not None:
            for lim in ind.limits:
                limits.append(LimitLine(lim.value, ind.limit_text(lim, lang), lim.is_national))
        daily = [(p.start, p.end, p.mean, p.valid) for p in summary.daily.periods] \
            if summary.daily else []
        zone = resolve_zone(data["dep"]["tz"])
        from datetime import UTC, datetime

        off = zone.utcoffset(datetime.now(UTC).replace(tzinfo=None))
        self.chart.set_zone_offset(int(off.total_seconds()) if off else 0)
        title = ind.name(lang) if ind is not None else summary.indicator
        self.chart.set_data(data["t"], data["v"], data["f"], limits, daily,
                            unit_of(summary.indicator), title)
        flagged = int((data["f"] != 0).sum())
        self.info.setText(_(
            "{n} readings, {x} excluded by quality control, {f} flagged in all; corrections: "
            "{c}. A 24-hour mean needs 75 % of the hours, an hour 75 % of its readings."
        ).format(n=summary.readings, x=summary.excluded, f=flagged,
                 c=summary.corrections.text(lang)))
        self.table.setRowCount(len(summary.limits))
        for i, r in enumerate(summary.limits):
            worst = r.worst[0] if r.worst else None
            cells = [
                ind.limit_text(r.limit, lang) if ind is not None else "",
                f"{r.valid} / {r.periods}",
                "—" if r.mean is None else f"{r.mean:.1f}",
                str(len(r.exceedances)),
                "—" if worst is None else
                f"{datetime.fromtimestamp(worst.start, UTC).astimezone(zone):%Y-%m-%d}: "
                f"{worst.mean:.1f}",
                "—" if worst is None else f"{worst.completeness:.0%}",
            ]
            for j, text in enumerate(cells):
                self.table.setItem(i, j, QTableWidgetItem(text))


    # --- actions -------------------------------------------------------------------------------
    def open_import(self) -> None:
        from pemdesk.ui.readings.import_dialog import ImportDialog

        dialog = ImportDialog(self.window_.ops, Path(self.window_.data_dir), self.site_id,
                              get_language(), self)
        dialog.imported.connect(lambda _r: self.refresh())
        dialog.show()

    def edit_deployment(self) -> None:
        from pemdesk.ui.readings.deployment_dialog import DeploymentDialog

        dep = self.current_deployment()
        if not dep:
            return

        def fetch(store: Any) -> Any:
            from pemdesk.storage import readings as rs

            row = rs.get_deployment(store, dep)
            row["owner"] = rs.get_instrument(store, row["instrument_id"])["owner"]
            row["calibration_due"] = rs.get_instrument(store, row["instrument_id"])[
                "calibration_due"]
            return row

        def show(row: dict[str, Any]) -> None:
            self.deployment_dialog = DeploymentDialog(self.window_.ops, row, self)
            self.deployment_dialog.accepted.connect(self.reload_chart)
            self.deployment_dialog.show()

        self.window_.ops.run(fetch, show)

    def show_imports(self) -> None:
        from pemdesk.ui.readings.register import ImportsDialog

        dep = self.current_deployment()
        if dep:
            self.imports_dialog = ImportsDialog(self.window_.ops, None, dep, self)
            self.imports_dialog.finished.connect(lambda _r: self.refresh())
            self.imports_dialog.show()

    def export_csv(self) -> None:
        dep = self.current_deployment()
        if not dep:
            return
        path, _filter = QFileDialog.getSaveFileName(self, _("Export CSV…"), "readings.csv",
                                                    "CSV (*.csv)")
        if not path:
            return

        def work(store: Any) -> int:
            from pemdesk.storage import readings as rs

            return rs.export_csv(store, dep, path)

        self.window_.ops.run(work, lambda n: self.info.setText(
            _("{n} readings written to {path}").format(n=n, path=path)))
