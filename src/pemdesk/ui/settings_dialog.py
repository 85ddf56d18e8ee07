"""Settings and the monitor's profile, kept in QSettings (the registry on Windows, ~/.config on
Linux): name, role, organisation and soum of the user; default aimag/soum for new sites; the data
folder (used from the next start); the language (applied at once, keeping all work)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
)

from pemdesk import i18n, model
from pemdesk.i18n import _
from pemdesk.ids import new_id
from pemdesk.labels import label
from pemdesk.ui.app import settings
from pemdesk.ui.site_dialog import fill_aimags, fill_soums


@dataclass
class Profile:
    name: str = ""
    role: model.PersonRole = model.PersonRole.MONITOR
    organisation: str = ""
    aimag: str | None = None
    soum: str | None = None
    default_aimag: str | None = None
    default_soum: str | None = None
    person_id: str = ""

    def as_person(self) -> model.Person:
        """The user as a person record (the same id every time, made once per profile)."""
        return model.Person(
            name=self.name,
            role=self.role,
            organisation=self.organisation,
            soum_code=self.soum,
            id=self.person_id,
        )


def profile() -> Profile:
    s = settings()

    def text(key: str) -> str:
        value = s.value(key, "")
        return str(value) if value else ""

    role = text("profile/role") or "monitor"
    person_id = text("profile/person_id")
    if not person_id:
        person_id = new_id()
        s.setValue("profile/person_id", person_id)
    return Profile(
        name=text("profile/name"),
        role=model.PersonRole(role) if role in set(model.PersonRole) else model.PersonRole.MONITOR,
        organisation=text("profile/organisation"),
        aimag=text("profile/aimag") or None,
        soum=text("profile/soum") or None,
        default_aimag=text("defaults/aimag") or None,
        default_soum=text("defaults/soum") or None,
        person_id=person_id,
    )


def save_profile(p: Profile) -> None:
    s = settings()
    s.setValue("profile/name", p.name)
    s.setValue("profile/role", str(p.role))
    s.setValue("profile/organisation", p.organisation)
    s.setValue("profile/aimag", p.aimag or "")
    s.setValue("profile/soum", p.soum or "")
    s.setValue("defaults/aimag", p.default_aimag or "")
    s.setValue("defaults/soum", p.default_soum or "")
    s.setValue("profile/person_id", p.person_id)
    s.sync()


def configured_data_dir() -> Path | None:
    value = settings().value("data_dir", "")
    return Path(str(value)) if value else None


class SettingsDialog(QDialog):
    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.window_ = window
        p = profile()
        self._profile = p
        self.name = QLineEdit(p.name)
        self.role = QComboBox()
        for role in model.PersonRole:
            self.role.addItem(label(role), str(role))
        self.role.setCurrentIndex(self.role.findData(str(p.role)))
        self.organisation = QLineEdit(p.organisation)
        self.aimag, self.soum = QComboBox(), QComboBox()
        self.default_aimag, self.default_soum = QComboBox(), QComboBox()
        for a, s, acode, scode in (
            (self.aimag, self.soum, p.aimag, p.soum),
            (self.default_aimag, self.default_soum, p.default_aimag, p.default_soum),
        ):
            fill_aimags(a, acode)
            fill_soums(s, a.currentData(), scode)
            a.currentIndexChanged.connect(lambda _i, a=a, s=s: fill_soums(s, a.currentData(), None))
        self.language = QComboBox()
        self.language.addItem("Монгол", "mn")
        self.language.addItem("English", "en")
        self.language.setCurrentIndex(self.language.findData(i18n.get_language()))
        self.data_dir = QLineEdit(str(configured_data_dir() or ""))
        self.data_dir.setPlaceholderText(str(window.data_dir))
        browse = QPushButton(_("Choose…"))
        browse.clicked.connect(self._browse)
        folder = QHBoxLayout()
        folder.addWidget(self.data_dir, 1)
        folder.addWidget(browse)

        me = QGroupBox(_("Me"))
        me_form = QFormLayout(me)
        me_form.addRow(_("Name"), self.name)
        me_form.addRow(_("Role"), self.role)
        me_form.addRow(_("Organisation"), self.organisation)
        me_form.addRow(_("Aimag"), self.aimag)
        me_form.addRow(_("Soum"), self.soum)
        general = QGroupBox(_("Program"))
        general_form = QFormLayout(general)
        general_form.addRow(_("Language"), self.language)
        general_form.addRow(_("Default aimag"), self.default_aimag)
        general_form.addRow(_("Default soum"), self.default_soum)
        general_form.addRow(_("Data folder"), folder)
        note = QLabel(_("A new data folder is used from the next start."))
        note.setWordWrap(True)
        general_form.addRow("", note)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(me)
        layout.addWidget(general)
        layout.addWidget(buttons)
        self.setWindowTitle(_("Settings"))
        self.resize(520, 480)

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, _("Data folder"), self.data_dir.text())
        if folder:
            self.data_dir.setText(folder)

    def save(self) -> None:
        p = self._profile
        p.name = self.name.text().strip()
        p.role = model.PersonRole(self.role.currentData())
        p.organisation = self.organisation.text().strip()
        p.aimag, p.soum = self.aimag.currentData(), self.soum.currentData()
        p.default_aimag, p.default_soum = (
            self.default_aimag.currentData(),
            self.default_soum.currentData(),
        )
        save_profile(p)
        settings().setValue("data_dir", self.data_dir.text().strip())
        lang = self.language.currentData()
        self.accept()
        if lang != i18n.get_language():
            self.window_.set_language(lang)
