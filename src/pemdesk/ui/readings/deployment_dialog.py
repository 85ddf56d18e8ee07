"""Edit a deployment and its instrument: position, height/depth, end, zone, corrections, and the
instrument's owner, calibration dates and co-location factor."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from pemdesk.i18n import _
from pemdesk.ui.errors import user_message


def _num(text: str) -> float | None:
    text = text.strip().replace(",", ".")
    return float(text) if text else None


def _txt(value: Any) -> str:
    return "" if value is None else str(value)


class DeploymentDialog(QDialog):
    def __init__(self, ops: Any, deployment: dict[str, Any], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ops = ops
        self.dep = deployment
        self.setWindowTitle(_("Deployment and instrument"))
        d = deployment
        self.lon, self.lat = QLineEdit(_txt(d["lon"])), QLineEdit(_txt(d["lat"]))
        self.height_edit, self.depth_edit = QLineEdit(_txt(d["height_m"])), QLineEdit(_txt(d["depth_m"]))
        self.ended = QLineEdit(_txt(d["ended_at"]))
        self.ended.setPlaceholderText("2026-06-30T00:00:00Z")
        self.tz = QLineEdit(d["tz"])
        self.epa = QCheckBox(_("US EPA 2021 PurpleAir PM2.5 humidity correction"))
        self.epa.setChecked("epa2021_purpleair" in d["corrections"])
        self.coloc = QCheckBox(_("co-location factor of the instrument"))
        self.coloc.setChecked("colocation" in d["corrections"])
        self.owner = QLineEdit(_txt(d.get("owner")))
        self.calibrated = QLineEdit(_txt(d.get("calibrated_on")))
        self.calibrated.setPlaceholderText("2026-01-15")
        self.due = QLineEdit(_txt(d.get("calibration_due")))
        self.factor = QLineEdit(_txt(d.get("factor")))
        self.offset = QLineEdit(_txt(d.get("offset")))
        dep_form = QFormLayout()
        pos = QHBoxLayout()
        pos.addWidget(self.lon)
        pos.addWidget(self.lat)
        dep_form.addRow(_("Position (lon, lat):"), pos)
        dep_form.addRow(_("Height above ground, m:"), self.height_edit)
        dep_form.addRow(_("Depth, m:"), self.depth_edit)
        dep_form.addRow(_("Ended (UTC):"), self.ended)
        dep_form.addRow(_("Time zone of its days:"), self.tz)
        dep_form.addRow(self.epa)
        dep_form.addRow(self.coloc)
        inst_form = QFormLayout()
        inst_form.addRow(_("Owner:"), self.owner)
        inst_form.addRow(_("Calibrated on:"), self.calibrated)
        inst_form.addRow(_("Calibration due:"), self.due)
        inst_form.addRow(_("Co-location factor:"), self.factor)
        inst_form.addRow(_("Co-location offset:"), self.offset)
        dep_box = QGroupBox(_("Deployment"))
        dep_box.setLayout(dep_form)
        inst_box = QGroupBox(_("Instrument {serial}").format(serial=d["serial"]))
        inst_box.setLayout(inst_form)
        self.error = QLabel()
        self.error.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(dep_box)
        layout.addWidget(inst_box)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def save(self) -> None:
        try:
            corrections = [n for n, box in (("epa2021_purpleair", self.epa),
                                            ("colocation", self.coloc)) if box.isChecked()]
            dep_fields = {"lon": _num(self.lon.text()), "lat": _num(self.lat.text()),
                          "height_m": _num(self.height_edit.text()), "depth_m": _num(self.depth_edit.text()),
                          "ended_at": self.ended.text().strip() or None,
                          "tz": self.tz.text().strip() or "+08:00", "corrections": corrections}
            inst_fields = {"owner": self.owner.text().strip(),
                           "calibrated_on": self.calibrated.text().strip() or None,
                           "calibration_due": self.due.text().strip() or None,
                           "factor": _num(self.factor.text()), "offset": _num(self.offset.text())}
        except ValueError:
            self.error.setText(_("Numbers only in the position, height, depth, factor and offset."))
            return
        dep_id, inst_id = self.dep["id"], self.dep["instrument_id"]

        def work(store: Any) -> None:
            from pemdesk.storage import readings as rs

            with store.atomic():
                rs.update_deployment(store, dep_id, **dep_fields)
                rs.update_instrument(store, inst_id, **inst_fields)

        self.ops.write(work, lambda _r: self.accept(),
                       lambda exc: self.error.setText(user_message(exc)))
