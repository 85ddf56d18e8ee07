"""The "Rehabilitation" tab: for the selected site, each plot's stage history (table and chart),
its acceptance acts, and the vegetation cover of its photo points — the photo beside its
classified mask, the computed value with a person's correction kept beside it, and the cover
trend per photo point and per plot."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QImageReader, QPixmap, QResizeEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from pemdesk import model
from pemdesk.i18n import _, format_date, format_number, get_language
from pemdesk.labels import N_, label
from pemdesk.rehab.records import Acceptance, PhotoCover, StageChange
from pemdesk.ui.errors import show_error
from pemdesk.ui.rehab.charts import StageHistoryChart, TrendChart


@dataclass
class PlotView:
    plot: model.Plot
    changes: list[StageChange]
    acts: list[Acceptance]


@dataclass
class SiteRehab:
    """Everything the tab shows for one site (loaded on the database thread)."""

    site_id: str
    plots: list[PlotView] = field(default_factory=list)
    years: list[tuple[int, dict[model.PlotStage, float]]] = field(default_factory=list)
    covers: list[Any] = field(default_factory=list)  # storage.rehab.CoverPoint
    points: dict[str, model.PhotoPoint] = field(default_factory=dict)
    visits: list[model.Visit] = field(default_factory=list)
    photos: list[model.Photo] = field(default_factory=list)
    people: list[model.Person] = field(default_factory=list)


def load_site(store: Any, site_id: str) -> SiteRehab:
    from pemdesk.rehab import stages as st
    from pemdesk.storage import rehab as rs

    rows = rs.plot_rows(store, site_id=site_id)
    data = SiteRehab(site_id)
    for r in rows:
        data.plots.append(PlotView(r.plot, list(r.history.changes), rs.acceptances(store, r.plot.id)))
    data.years = st.hectares_over_years([r.history for r in rows],
                                        st.history_years([r.history for r in rows])[-10:])
    data.covers = rs.cover_series(store, site_id=site_id)
    data.points = {p.id: p for p in store.list_photo_points(site_id)}
    from pemdesk.storage import VisitFilter

    data.visits = store.list_visits(VisitFilter(site_id=site_id))
    data.photos = rs.site_visit_photos(store, site_id)
    data.photos += [cp.photo for cp in data.covers if cp.photo.visit_id is None]
    data.people = store.list_people()
    return data


def _pixmap(path: str | None, orientation: int = 1, box: int = 280) -> QPixmap:
    if not path:
        return QPixmap()
    reader = QImageReader(path)
    reader.setAutoTransform(orientation == 1)
    image = reader.read()
    if image.isNull():
        return QPixmap()
    return QPixmap.fromImage(image.scaled(box, box, Qt.AspectRatioMode.KeepAspectRatio,
                                          Qt.TransformationMode.SmoothTransformation))


class CoverView(QWidget):
    """A photo beside its classified mask, the computed cover and the person's correction."""

    def __init__(self, ops: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ops = ops
        self.cover: PhotoCover | None = None
        self.photo_label = QLabel(self)
        self.mask_label = QLabel(self)
        self._sources = (QPixmap(), QPixmap())
        for lab in (self.photo_label, self.mask_label):
            lab.setMinimumSize(200, 150)
            lab.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Ignored)
            lab.setAlignment(Qt.AlignmentFlag.AlignCenter)
            lab.setStyleSheet("background: #222; color: #ddd;")
        self.computed = QLabel(self)
        self.manual = QDoubleSpinBox(self)
        self.manual.setRange(-1, 100)
        self.manual.setDecimals(1)
        self.manual.setSpecialValueText("—")
        self.manual.setSuffix(" %")
        self.note = QLineEdit(self)
        self.save = QPushButton(self)
        self.save.clicked.connect(self.save_correction)
        self.method = QLabel(self)
        self.method.setWordWrap(True)
        images = QHBoxLayout()
        images.addWidget(self.photo_label, 1)
        images.addWidget(self.mask_label, 1)
        row = QHBoxLayout()
        self.manual_caption = QLabel(self)
        self.note_caption = QLabel(self)
        row.addWidget(self.computed)
        row.addStretch(1)
        row.addWidget(self.manual_caption)
        row.addWidget(self.manual)
        row.addWidget(self.save)
        row2 = QHBoxLayout()
        row2.addWidget(self.note_caption)
        row2.addWidget(self.note, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(images, 1)
        layout.addLayout(row)
        layout.addLayout(row2)
        layout.addWidget(self.method)
        self.retranslate()
        self.show_cover(None, None, None)

    def retranslate(self) -> None:
        self.save.setText(_("Save the correction"))
        self.manual_caption.setText(_("Corrected cover"))
        self.note_caption.setText(_("Why"))
        self.method.setText(_(
            "Canopeo (Patrignani & Ochsner 2015): a pixel is green canopy when R/G < 0.95, "
            "B/G < 0.95 and 2G − R − B > 20; white in the mask is canopy. Dry vegetation, deep "
            "shadow and snow are not counted: correct the value when the mask is wrong."))

    def show_cover(self, cover: PhotoCover | None, photo_path: str | None,
                   mask_path: str | None, orientation: int = 1) -> None:
        self.cover = cover
        self._sources = (_pixmap(photo_path, orientation, 900), _pixmap(mask_path, 1, 900))
        self._fit()
        if not photo_path:
            self.photo_label.setText(_("photo not on this computer"))
        if not mask_path:
            self.mask_label.setText(_("not measured yet") if cover is None else
                                    _("mask not on this computer"))
        enabled = cover is not None
        for w in (self.manual, self.note, self.save):
            w.setEnabled(enabled)
        if cover is None:
            self.computed.setText("")
            self.manual.setValue(-1)
            self.note.clear()
            return
        self.computed.setText(_("Computed cover: {value} %").format(
            value=format_number(cover.cover_pct, 1)))
        self.manual.setValue(cover.manual_pct if cover.manual_pct is not None else -1)
        self.note.setText(cover.manual_note)

    def _fit(self) -> None:
        """Scale the photo and the mask to the space they have (side by side, same size)."""
        for lab, src in zip((self.photo_label, self.mask_label), self._sources, strict=True):
            if src.isNull():
                lab.setPixmap(QPixmap())
            else:
                lab.setPixmap(src.scaled(lab.size(), Qt.AspectRatioMode.KeepAspectRatio,
                                         Qt.TransformationMode.SmoothTransformation))

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._fit()

    def save_correction(self) -> None:
        from pemdesk.storage import rehab as rs

        if self.cover is None:
            return
        photo_id = self.cover.photo_id
        value = self.manual.value()
        manual = None if value < 0 else value
        note = self.note.text().strip()
        self.ops.write(lambda store: rs.correct_cover(store, photo_id, manual, note),
                       lambda saved: self.show_cover_value(saved),
                       lambda exc: show_error(self, exc))

    def show_cover_value(self, cover: PhotoCover) -> None:
        self.cover = cover
        self.computed.setText(_("Computed cover: {value} %").format(
            value=format_number(cover.cover_pct, 1)))


class RehabPanel(QWidget):
    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.window_ = window
        self.ops = window.ops
        self.data: SiteRehab | None = None
        self.site_id: str | None = None
        self.title = QLabel(self)
        self.plot = QComboBox(self)
        self.plot.currentIndexChanged.connect(self._show_plot)
        self.record = QPushButton(self)
        self.record.clicked.connect(self.record_change)
        self.accept_button = QPushButton(self)
        self.accept_button.clicked.connect(self.record_acceptance)
        self.print_act = QPushButton(self)
        self.print_act.clicked.connect(self.print_latest_act)
        self.remove_change = QPushButton(self)
        self.remove_change.clicked.connect(self.remove_selected_change)
        self.measure = QPushButton(self)
        self.measure.clicked.connect(self.measure_all)
        self.history = QTableWidget(0, 6, self)
        self.history.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.history.setMinimumHeight(130)
        self.history.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.history.horizontalHeader().setStretchLastSection(True)
        self.history.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.acts = QLabel(self)
        self.acts.setWordWrap(True)
        self.stage_chart = StageHistoryChart(self)
        self.photos = QListWidget(self)
        self.photos.currentItemChanged.connect(lambda *_a: self._show_photo())
        self.cover_view = CoverView(self.ops, self)
        self.point_trend = TrendChart(self)
        self.plot_trend = TrendChart(self)
        self.photos.setMinimumHeight(70)

        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        self.plot_caption = QLabel(self)
        top.addWidget(self.plot_caption)
        top.addWidget(self.plot, 1)
        top.addWidget(self.record)
        top.addWidget(self.accept_button)
        top.addWidget(self.print_act)
        self.history_box = QGroupBox(self)
        hb = QVBoxLayout(self.history_box)
        hb.addWidget(self.history, 3)
        hrow = QHBoxLayout()
        hrow.addWidget(self.acts, 1)
        hrow.addWidget(self.remove_change)
        hb.addLayout(hrow)
        hb.addWidget(self.stage_chart, 2)
        self.stage_chart.setMaximumHeight(190)
        self.cover_box = QGroupBox(self)
        cb = QVBoxLayout(self.cover_box)
        left = QVBoxLayout()
        left.addWidget(self.photos, 1)
        left.addWidget(self.point_trend, 1)
        left.addWidget(self.plot_trend, 1)
        left.addWidget(self.measure)
        crow = QHBoxLayout()
        crow.addLayout(left, 2)
        crow.addWidget(self.cover_view, 3)
        cb.addLayout(crow, 1)
        splitter = QSplitter(Qt.Orientation.Vertical, self)
        splitter.addWidget(self.history_box)
        splitter.addWidget(self.cover_box)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        # The history and cover boxes scroll rather than force the main window taller than a
        # 1366×768 laptop screen.
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(splitter)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(scroll, 1)
        self.retranslate()
        window.site_selected.connect(self.set_site)
        self.ops.changed.connect(self.reload)

    def retranslate(self, *_args: Any) -> None:
        self.plot_caption.setText(_("Plot"))
        self.record.setText(_("Record a stage change…"))
        self.accept_button.setText(_("Acceptance act…"))
        self.print_act.setText(_("Print the act…"))
        self.remove_change.setText(_("Remove the selected change…"))
        self.measure.setText(_("Measure the cover of all photo-point photos"))
        self.measure.setToolTip(_("Measure the cover of all photo-point photos"))
        self.history_box.setTitle(_("Stage history"))
        self.cover_box.setTitle(_("Vegetation cover from photos"))
        self.history.setHorizontalHeaderLabels(
            [_("Date"), _("From"), _("To"), _("Visit"), _("By"), _("Note")])
        self.cover_view.retranslate()
        self._render()

    # --- loading ------------------------------------------------------------------------------
    def set_site(self, site_id: str) -> None:
        self.site_id = site_id
        self.reload()

    def reload(self) -> None:
        site_id = self.site_id
        if site_id is None:
            return
        self.ops.run(lambda store: load_site(store, site_id), self._loaded,
                     lambda exc: show_error(self, exc))

    def _loaded(self, data: SiteRehab) -> None:
        if data.site_id != self.site_id:
            return
        current = self.plot.currentData()
        self.data = data
        self.plot.blockSignals(True)
        self.plot.clear()
        for pv in data.plots:
            self.plot.addItem(f"{pv.plot.name} — {label(model.PlotStage(pv.plot.stage))}", pv.plot.id)
        index = self.plot.findData(current)
        self.plot.setCurrentIndex(max(0, index))
        self.plot.blockSignals(False)
        self._render()

    def _render(self) -> None:
        data = self.data
        if data is None:
            self.title.setText(_("Select a site to see its rehabilitation."))
            return
        self.title.setText(_("{n} plots").format(n=len(data.plots)))
        self.stage_chart.set_data(data.years, _("ha"))
        current = self.photos.currentItem()
        keep = current.data(Qt.ItemDataRole.UserRole) if current is not None else None
        self.photos.blockSignals(True)
        self.photos.clear()
        for cp in data.covers:
            point = data.points.get(cp.photo_point_id or "")
            text = (f"{point.name if point else ''} {format_date(cp.photo.taken_at)} — "
                    f"{format_number(cp.cover.value, 1)} %")
            if cp.cover.manual_pct is not None:
                text += " ✎"
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, cp.photo.id)
            self.photos.addItem(item)
            if cp.photo.id == keep:
                self.photos.setCurrentItem(item)
        if self.photos.currentItem() is None and self.photos.count():
            self.photos.setCurrentRow(self.photos.count() - 1)
        self.photos.blockSignals(False)
        self._show_plot()
        self._show_photo()

    def _plot_view(self) -> PlotView | None:
        if self.data is None:
            return None
        pid = self.plot.currentData()
        return next((pv for pv in self.data.plots if pv.plot.id == pid), None)

    def _show_plot(self, *_args: Any) -> None:
        from pemdesk.reports.rehab import _decision, _kind

        pv = self._plot_view()
        for w in (self.record, self.accept_button):
            w.setEnabled(pv is not None)
        self.print_act.setEnabled(bool(pv and pv.acts))
        if pv is None or self.data is None:
            self.history.setRowCount(0)
            self.acts.setText("")
            return
        visits = {v.id: v for v in self.data.visits}
        self.history.setRowCount(len(pv.changes))
        for row, c in enumerate(pv.changes):
            visit = visits.get(c.visit_id or "")
            values = [format_date(c.changed_on),
                      label(model.PlotStage(c.from_stage)) if c.from_stage else "—",
                      label(model.PlotStage(c.to_stage)),
                      format_date(visit.started_at) if visit else "",
                      c.recorded_by,
                      c.note + (f" ({_('{n} photos').format(n=len(c.photo_ids))})"
                                if c.photo_ids else "")]
            for col, v in enumerate(values):
                self.history.setItem(row, col, QTableWidgetItem(v))
        lang = get_language()
        self.acts.setText("\n".join(
            _("Acceptance {date}: {kind}, {decision} ({act})").format(
                date=format_date(a.accepted_on), kind=_kind(a.kind, lang),
                decision=_decision(a.decision, lang), act=a.act_no or a.id[:8])
            for a in pv.acts) or _("No acceptance act yet."))
        # The plot's cover trend: the mean of its photo points on each date.
        by_day: dict[str, list[float]] = {}
        for cp in self.data.covers:
            if cp.plot_id == pv.plot.id and cp.photo.taken_at:
                by_day.setdefault(cp.photo.taken_at[:10], []).append(cp.cover.value)
        self.plot_trend.set_series(
            _("Cover of the plot (mean of its photo points), %"),
            [(pv.plot.name, [(d, sum(v) / len(v)) for d, v in by_day.items()])],
            _("No measured photo-point photos of this plot."))

    def _show_photo(self) -> None:
        from pemdesk.photos.files import PhotoFiles

        item = self.photos.currentItem()
        if self.data is None or item is None:
            self.cover_view.show_cover(None, None, None)
            self.point_trend.set_series("", [])
            return
        photo_id = item.data(Qt.ItemDataRole.UserRole)
        cp = next(c for c in self.data.covers if c.photo.id == photo_id)
        files = PhotoFiles(self.window_.data_dir)
        original = files.original_path(cp.photo.sha256)
        preview = files.preview_path(cp.photo.sha256)
        path, orientation = ((str(preview), 1) if preview.is_file() else
                             (str(original), cp.photo.orientation or 1) if original.is_file()
                             else (None, 1))
        mask = (files.data_dir / "cover_masks" / f"{cp.cover.mask_sha256}.png"
                if cp.cover.mask_sha256 else None)
        self.cover_view.show_cover(cp.cover, path,
                                   str(mask) if mask is not None and mask.is_file() else None,
                                   orientation)
        if path and (mask is None or not mask.is_file()):
            self._recompute_mask(cp.cover, path, orientation)
        point = self.data.points.get(cp.photo_point_id or "")
        series = [((c.photo.taken_at or "")[:10], c.cover.value) for c in self.data.covers
                  if c.photo_point_id == cp.photo_point_id and c.photo.taken_at]
        self.point_trend.set_series(
            _("Cover at the photo point, %"), [(point.name if point else "", series)])

    def _recompute_mask(self, cover: PhotoCover, path: str, orientation: int) -> None:
        """Masks do not sync: make this photo's mask here, then show it."""
        from pemdesk.storage import rehab as rs

        def shown(mask: Any) -> None:
            if self.cover_view.cover is cover and mask is not None:
                self.cover_view.show_cover(cover, path, str(mask), orientation)

        self.ops.run(lambda store: rs.ensure_mask(store, cover), shown,
                     lambda exc: show_error(self, exc))

    # --- actions ------------------------------------------------------------------------------
    def record_change(self) -> None:
        from pemdesk.ui.rehab.dialogs import StageChangeDialog

        pv = self._plot_view()
        if pv is None or self.data is None:
            return
        dialog = StageChangeDialog(self.ops, pv.plot, self.data.visits, self.data.photos,
                                   self.data.people, self)
        dialog.exec()

    def remove_selected_change(self) -> None:
        """Remove a change recorded by mistake (synced as a deletion; the stage is derived
        again). The plot's first record stays: a plot always has a history."""
        from PySide6.QtWidgets import QMessageBox

        from pemdesk.storage import rehab as rs

        pv = self._plot_view()
        rows = self.history.selectionModel().selectedRows()
        if pv is None or not rows:
            return
        row = rows[0].row()
        if row == 0 or row >= len(pv.changes):
            QMessageBox.information(self, _("Stage history"),
                                    _("The first record of a plot's history cannot be removed."))
            return
        change = pv.changes[row]
        if QMessageBox.question(self, _("Stage history"), _(
                "Remove the change of {date}? The plot's stage is derived again.").format(
                date=format_date(change.changed_on))) != QMessageBox.StandardButton.Yes:
            return
        change_id = change.id
        self.ops.write(lambda store: rs.delete_stage_change(store, change_id), None,
                       lambda exc: show_error(self, exc))

    def record_acceptance(self) -> None:
        from pemdesk.ui.rehab.dialogs import AcceptanceDialog

        pv = self._plot_view()
        if pv is None or self.data is None:
            return
        AcceptanceDialog(self.ops, pv.plot, self.data.visits, self).exec()

    def print_latest_act(self) -> None:
        from pemdesk.reports.rehab import render_act

        pv = self._plot_view()
        if pv is None or not pv.acts:
            return
        path, _filter = QFileDialog.getSaveFileName(self, _("Print the act…"),
                                                    f"act-{pv.plot.name}.pdf", "PDF (*.pdf)")
        if not path:
            return
        act_id = pv.acts[-1].id
        lang = get_language()
        self.ops.run(lambda store: render_act(store, act_id, path, lang=lang),
                     lambda _r: None, lambda exc: show_error(self, exc))

    def measure_all(self) -> None:
        site_id = self.site_id

        def work(store: Any, progress: Any) -> Any:
            from pemdesk.storage import rehab as rs

            ids = [r["id"] for r in store._query(
                "SELECT p.id FROM photo p JOIN photo_point pp ON pp.id = p.photo_point_id "
                "WHERE p._deleted = 0 AND pp.site_id = ? ORDER BY p.taken_at", [site_id])]
            return rs.measure_many(store, ids, progress)

        self.window_.run_with_progress(work, N_("Measuring vegetation cover…"),
                                       lambda _r: self.ops.changed.emit())
