"""Dialogs of the map: preview and import of geo files, licence corner coordinates."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from pemdesk.errors import PemdeskError
from pemdesk.i18n import _, format_number
from pemdesk.labels import N_

TARGET_LABELS = {
    "plots": N_("Plot"),
    "sites": N_("Site"),
    "tracks": N_("Track"),
    "points": N_("Photo point"),
    "waypoints": N_("Waypoint"),
    "": N_("Skip"),
}
KIND_LABELS = {
    "polygon": N_("Polygon"),
    "line": N_("Line"),
    "point": N_("Point"),
    "collection": N_("Collection"),
}
CRS_CHOICES = [
    "EPSG:4326",
    "EPSG:32645",
    "EPSG:32646",
    "EPSG:32647",
    "EPSG:32648",
    "EPSG:32649",
    "EPSG:32650",
    "EPSG:3857",
]


def _site_combo(
    parent: QWidget, sites: dict[str, dict[str, Any]], site_id: str | None
) -> QComboBox:
    combo = QComboBox(parent)
    combo.addItem(_("(no site)"), None)
    for sid, s in sorted(sites.items(), key=lambda kv: kv[1].get("name_mn", "")):
        combo.addItem(s.get("name_mn", sid), sid)
        if sid == site_id:
            combo.setCurrentIndex(combo.count() - 1)
    return combo


class ImportDialog(QDialog):
    """Pick a file, see its features, map each to plot/site/track/photo point, import at once."""

    def __init__(
        self,
        ops: Any,
        parent: QWidget | None = None,
        *,
        site_id: str | None = None,
        sites: dict[str, dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Import a geo file"))
        self.resize(760, 520)
        self.ops = ops
        self.geofile: Any = None
        self.file_label = QLabel(_("No file chosen."), self)
        choose = QPushButton(_("Choose file…"), self)
        choose.clicked.connect(self.choose)
        self.site = _site_combo(self, sites or {}, site_id)
        self.site.currentIndexChanged.connect(self._default_targets)
        self.table = QTableWidget(0, 4, self)
        self.table.setHorizontalHeaderLabels(
            [_("Name"), _("Geometry"), _("Folder"), _("Import as")]
        )
        self.table.horizontalHeader().setStretchLastSection(True)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.import_button = buttons.addButton(_("Import"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.import_button.setEnabled(False)
        buttons.accepted.connect(self.do_import)
        buttons.rejected.connect(self.reject)
        top = QHBoxLayout()
        top.addWidget(choose)
        top.addWidget(self.file_label, 1)
        form = QFormLayout()
        form.addRow(_("Site"), self.site)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(form)
        from PySide6.QtWidgets import QSplitter

        from pemdesk.ui.map.canvas import MapCanvas
        from pemdesk.ui.map.install import boundaries_model

        self.preview = MapCanvas(boundaries_model(), self)
        self.preview.setMinimumSize(260, 220)
        split = QSplitter(Qt.Orientation.Horizontal, self)
        split.addWidget(self.table)
        split.addWidget(self.preview)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        layout.addWidget(split, 1)
        layout.addWidget(self.message)
        layout.addWidget(buttons)

    def _show_preview(self) -> None:
        """The file's features on a small map: polygons as plots, lines as tracks, points."""
        import shapely
        from shapely.geometry import shape

        from pemdesk.geo.mapdata import project_geometry
        from pemdesk.storage.geo import MapData, explode
        from pemdesk.ui.map.install import boundaries_model

        data = MapData()
        geoms = []
        for n, feature in enumerate(self.geofile.features):
            for i, part in enumerate(explode(feature)):
                fid = f"{n}.{i}"
                geoms.append(shape(part.geometry))
                if part.kind == "polygon":
                    data.plots.append(
                        {
                            "id": fid,
                            "site_id": "",
                            "name": part.name,
                            "stage": "disturbed",
                            "geometry": part.geometry,
                            "area_ha": None,
                        }
                    )
                elif part.kind == "line":
                    data.tracks.append(
                        {
                            "id": fid,
                            "name": part.name,
                            "site_id": None,
                            "visit_id": None,
                            "geometry": part.geometry,
                            "started_at": None,
                        }
                    )
                else:
                    pts = shapely.get_coordinates(shape(part.geometry))
                    for k, (lon, lat) in enumerate(pts[:5000]):
                        data.photo_points.append(
                            {
                                "id": f"{fid}.{k}",
                                "site_id": "",
                                "name": part.name,
                                "lon": float(lon),
                                "lat": float(lat),
                                "bearing": None,
                            }
                        )
        self.preview.model = boundaries_model().with_records(data)
        self.preview.layer_painter.model = self.preview.model
        self.preview.invalidate()
        if geoms:
            box = project_geometry(shapely.union_all(geoms).envelope).bounds
            x0, y0, x1, y1 = box
            pad = max(200.0, (x1 - x0) * 0.1, (y1 - y0) * 0.1)
            self.preview.fit((x0 - pad, y0 - pad, x1 + pad, y1 + pad))

    def choose(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self,
            _("Choose file…"),
            "",
            _("Geo files") + " (*.gpx *.kml *.kmz *.geojson *.json *.shp *.zip *.csv)",
        )
        if path:
            self.load(Path(path))

    def load(self, path: Path, crs: str | None = None) -> bool:
        from pemdesk.importers.geofile import read_geo
        from pemdesk.importers.shapefile import CrsRequired

        try:
            self.geofile = read_geo(path, crs=crs)
        except CrsRequired as exc:
            choice, ok = QInputDialog.getItem(
                self, _("Coordinate system"), exc.message(_lang()), CRS_CHOICES, 0, True
            )
            if ok and choice:
                return self.load(path, choice)
            return False
        except PemdeskError as exc:
            self.geofile = None
            self.message.setText(html.escape(exc.message(_lang())))
            self.import_button.setEnabled(False)
            return False
        self.file_label.setText(str(path))
        self._fill()
        self._show_preview()
        return True

    def _fill(self) -> None:
        g = self.geofile
        self.table.setRowCount(len(g.features))
        for row, f in enumerate(g.features):
            self.table.setItem(row, 0, QTableWidgetItem(f.name))
            self.table.setItem(row, 1, QTableWidgetItem(_(KIND_LABELS.get(f.kind, f.kind))))
            self.table.setItem(row, 2, QTableWidgetItem(f.folder))
            combo = QComboBox(self.table)
            for key, text in TARGET_LABELS.items():
                combo.addItem(_(text), key)
            self.table.setCellWidget(row, 3, combo)
        self._default_targets()
        extra = _("{n} without geometry skipped.").format(n=g.skipped) if g.skipped else ""
        self.message.setText(_("{n} features found.").format(n=len(g.features)) + " " + extra)
        self.import_button.setEnabled(bool(g.features))

    def _default_targets(self) -> None:
        from pemdesk.storage.geo import default_target

        if self.geofile is None:
            return
        site_id = self.site.currentData()
        for row, f in enumerate(self.geofile.features):
            combo = self.table.cellWidget(row, 3)
            assert isinstance(combo, QComboBox)
            target = default_target(f, site_id) or ""
            combo.setCurrentIndex(max(0, combo.findData(target)))

    def targets(self) -> dict[int, str]:
        out = {}
        for row in range(self.table.rowCount()):
            combo = self.table.cellWidget(row, 3)
            assert isinstance(combo, QComboBox)
            out[row] = combo.currentData()
        return out

    def do_import(self) -> None:
        from pemdesk.storage.geo import import_geofile

        if self.geofile is None or self.ops is None:
            return
        targets = self.targets()
        selection = [i for i, t in targets.items() if t]
        geofile, site_id = self.geofile, self.site.currentData()

        def work(store: Any) -> Any:
            return import_geofile(
                store,
                geofile,
                None,
                site_id,
                selection=selection,
                targets=targets,
                check_duplicate=False,
            )

        def done(result: Any) -> None:
            self.message.setText(_("{n} features imported.").format(n=result.features))
            self.accept()

        def failed(exc: BaseException) -> None:
            text = exc.message(_lang()) if isinstance(exc, PemdeskError) else str(exc)
            self.message.setText(html.escape(text))

        self.ops.write(work, done, failed)


class CornersDialog(QDialog):
    """Licence corners pasted or typed as printed on the certificate (DMS, degrees or UTM)."""

    def __init__(
        self,
        ops: Any,
        parent: QWidget | None = None,
        *,
        site_id: str | None = None,
        sites: dict[str, dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Licence corners"))
        self.resize(620, 520)
        self.ops = ops
        self.sites = sites or {}
        self.polygon: dict[str, Any] | None = None
        self.text = QPlainTextEdit(self)
        self.text.setPlaceholderText(
            "1  43°02'15.3\"N 106°51'03.0\"E\n2  43.0376 106.8508\n3  48N 642002 5306933"
        )
        self.zone = QSpinBox(self)
        self.zone.setRange(0, 60)
        self.zone.setSpecialValueText(_("from the text"))
        self.site = _site_combo(self, self.sites, site_id)
        self.result = QLabel(self)  # type: ignore[method-assign,assignment]
        self.result.setWordWrap(True)  # type: ignore[attr-defined]
        self.result.setTextFormat(Qt.TextFormat.RichText)  # type: ignore[attr-defined]
        check = QPushButton(_("Check"), self)
        check.clicked.connect(self.check)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.apply_button = buttons.addButton(
            _("Use as the site's boundary"), QDialogButtonBox.ButtonRole.ApplyRole
        )
        self.apply_button.setEnabled(False)
        self.apply_button.clicked.connect(self.apply)
        buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow(_("UTM zone"), self.zone)
        form.addRow(_("Site"), self.site)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(_("One corner per line, as printed on the licence:")))
        layout.addWidget(self.text, 1)
        layout.addLayout(form)
        layout.addWidget(check)
        layout.addWidget(self.result)  # type: ignore[arg-type]
        layout.addWidget(buttons)

    def check(self) -> bool:
        from shapely.geometry import shape

        from pemdesk.geo import coords
        from pemdesk.geo.area import geodesic_area_ha

        try:
            corners = coords.parse_corners(self.text.toPlainText(), self.zone.value() or None)
            self.polygon = coords.corners_to_polygon(corners)
        except PemdeskError as exc:
            self.polygon = None
            self.result.setText(html.escape(exc.message(_lang())))  # type: ignore[attr-defined]
            self.apply_button.setEnabled(False)
            return False
        lines = [
            html.escape(
                _("{n} corners, area {ha} ha").format(
                    n=len(corners), ha=format_number(geodesic_area_ha(self.polygon), 4)
                )
            )
        ]
        site = self.sites.get(self.site.currentData() or "")
        if site and site.get("boundary"):
            old = shape(site["boundary"])
            new = shape(self.polygon)
            diff = geodesic_area_ha(old.symmetric_difference(new)) if old.is_valid else 0.0
            lines.append(
                html.escape(
                    _("Differs from the recorded boundary by {ha} ha").format(
                        ha=format_number(diff, 4)
                    )
                )
            )
        for lon, lat in corners:
            lines.append(html.escape(coords.describe(lon, lat).dms))
        self.result.setText("<br>".join(lines))  # type: ignore[attr-defined]
        self.apply_button.setEnabled(self.site.currentData() is not None)
        return True

    def apply(self) -> None:
        from pemdesk import model

        site_id = self.site.currentData()
        if not site_id or self.polygon is None or self.ops is None:
            return
        polygon = self.polygon

        def work(store: Any) -> Any:
            site = store.get(model.Site, site_id)
            site.boundary = polygon
            return store.save(site)

        self.ops.write(work, lambda _site: self.accept())


def _lang() -> str:
    from pemdesk.i18n import get_language

    return get_language()
