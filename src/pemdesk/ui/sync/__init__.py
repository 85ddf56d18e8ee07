"""The sync area of the desktop program: the Sync menu, its dialogs, the sync status.

Plugged into the main window by ``install(window)`` (listed in ``main_window.PLUGINS``):

* Sync now (progress: records, photos, bytes, speed, time left; Cancel), run off the GUI thread;
  no connection is shown calmly in the status bar, never as an error box;
* Enrol this computer (server address + one-time code);
* Export / import a USB bundle;
* Conflicts (coordinators resolve; everyone can look);
* a "Sync" column in the visits table (not sent / sent / confirmed / conflict).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QFileDialog, QHeaderView, QLabel, QWidget

from pemdesk import i18n
from pemdesk.errors import Offline
from pemdesk.i18n import _
from pemdesk.labels import N_
from pemdesk.ui.sync import jobs
from pemdesk.ui.sync.sync_dialog import SyncDialog, human_bytes


class SyncArea(QObject):
    """Owns the sync actions of one main window."""

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.window = window
        self.overview: dict[str, Any] = {"enrolled": False, "role": "", "conflicts": 0}
        self.offline = False
        self.dialog: Any = None
        self.state = QLabel()
        window.statusBar().addPermanentWidget(self.state)
        menu = window.menu_sync
        self.action_sync = window.add_action(
            menu, N_("Sync now"), self.sync_now, "Ctrl+Shift+S", True
        )
        self.action_enrol = window.add_action(menu, N_("Enrol this computer…"), self.enrol)
        menu.addSeparator()
        self.action_export = window.add_action(menu, N_("Export USB bundle…"), self.export_bundle)
        self.action_import = window.add_action(menu, N_("Import USB bundle…"), self.import_bundle)
        menu.addSeparator()
        self.action_conflicts = window.add_action(menu, N_("Conflicts…"), self.open_conflicts)
        self.action_problems = window.add_action(menu, N_("Sync problems…"), self.open_problems)
        window.ops.changed.connect(self.refresh)
        window.installEventFilter(self)
        if hasattr(window, "language_changed"):
            window.language_changed.connect(lambda _lang: self._show_state())
        self._install_status_column()
        self.refresh()
        # ``pemdesk --open FILE.pemsync`` (the installers' file association) leaves it here.
        opened = os.environ.pop("PEMDESK_OPEN_BUNDLE", "")
        if opened:
            QTimer.singleShot(0, lambda: self.import_bundle(Path(opened)))

    def eventFilter(self, watched: Any, event: Any) -> bool:  # noqa: N802 - Qt's name
        if watched is self.window and event.type() == QEvent.Type.Close:
            self.stop()
        return False

    def stop(self) -> None:
        """Closing the program cancels a running transfer and waits for it to stop cleanly
        (what was sent is kept; a half-written bundle is removed)."""
        job = getattr(self.dialog, "job", None)
        if job is not None and job.running:
            self.dialog.progress.cancel()
            job.wait(15_000)

    @property
    def data_dir(self) -> Path:
        return Path(self.window.data_dir)

    def _install_status_column(self) -> None:
        from pemdesk.ui.sync.status_column import SyncStatusProxy

        view = getattr(self.window, "visits", None)
        source = getattr(self.window, "visits_model", None)
        if view is None or source is None:
            return
        self.status_proxy = SyncStatusProxy(source, self.window.ops)
        view.setModel(self.status_proxy)
        # Room for the extra column: the small number column takes only what it needs.
        header = view.horizontalHeader()
        revision = next(
            (i for i, name in enumerate(getattr(source, "COLUMNS", ())) if name == "Revision"),
            None,
        )
        if revision is not None:
            header.setSectionResizeMode(revision, QHeaderView.ResizeMode.ResizeToContents)

    # --- status ------------------------------------------------------------------------------
    def refresh(self) -> None:
        self.window.ops.run(jobs.sync_overview, self._got_overview)

    def _got_overview(self, overview: dict[str, Any]) -> None:
        self.overview = overview
        self._show_state()

    def _show_state(self) -> None:
        parts = []
        if self.offline:
            parts.append(_("No connection to the server; your work is saved here."))
        elif not self.overview.get("enrolled"):
            parts.append(_("Not enrolled for sync"))
        if self.overview.get("conflicts"):
            parts.append(_("Conflicts: {n}").format(n=self.overview["conflicts"]))
        problems = int(self.overview.get("refused", 0)) + int(self.overview.get("quarantined", 0))
        if problems:
            parts.append(_("Sync problems: {n}").format(n=problems))
        self.state.setText(" · ".join(parts))
        self.action_sync.setEnabled(bool(self.overview.get("enrolled")))
        self.action_export.setEnabled(bool(self.overview.get("enrolled")))
        self.action_import.setEnabled(bool(self.overview.get("enrolled")))
        self.action_enrol.setEnabled(not self.overview.get("enrolled"))

    # --- actions -----------------------------------------------------------------------------
    def _run(self, title: str, job: Any, summarise: Any) -> SyncDialog:
        dialog = SyncDialog(_(title), job, self.window, summarise)
        dialog.job.finished.connect(lambda _r: self._after(None))
        dialog.job.failed.connect(self._after)
        self.dialog = dialog
        dialog.show()
        dialog.start()
        return dialog

    def _after(self, exc: BaseException | None) -> None:
        self.offline = isinstance(exc, Offline)
        self.window.ops.changed.emit()  # everything may have changed: every view refreshes

    def sync_now(self) -> SyncDialog:
        def summary(report: Any) -> str:
            text = _(
                "Sent {pushed} changes, received {pulled}; {photos} photo files sent ({bytes})."
            ).format(
                pushed=report.pushed,
                pulled=report.pulled,
                photos=report.blobs_uploaded,
                bytes=human_bytes(report.blob_bytes),
            )
            if report.conflicts:
                text += " " + _("{n} conflicts are waiting for a coordinator.").format(
                    n=report.conflicts
                )
            if report.photos_downloaded:
                text += " " + _("{n} photos of other monitors received ({bytes}).").format(
                    n=report.photos_downloaded, bytes=human_bytes(report.download_bytes)
                )
            if report.refused or report.quarantined:
                from pemdesk.sync.refusals import explain

                lang = i18n.get_language()
                for r in report.refused[:5]:
                    text += "\n" + _("Refused: {kind} {record}: {why}").format(
                        kind=r["entity"], record=r["entity_id"][:8],
                        why=explain(r["reason"]).message(lang))
                text += "\n" + _("See Sync › Sync problems for the details.")
            return text

        data_dir = self.data_dir
        return self._run(N_("Sync"), lambda p: jobs.sync_now(data_dir, p), summary)

    def enrol(self) -> Any:
        from pemdesk.ui.sync.enrol_dialog import EnrolDialog

        dialog = EnrolDialog(self.data_dir, self.window)
        dialog.accepted.connect(self.refresh)
        self.dialog = dialog
        dialog.open()
        return dialog

    def export_bundle(self, target: Path | None = None) -> SyncDialog | None:
        if target is None:
            name, _filter = QFileDialog.getSaveFileName(
                self.window, _("Export USB bundle"), str(Path.home()), "pemdesk (*.pemsync)"
            )
            if not name:
                return None
            target = Path(name if name.endswith(".pemsync") else name + ".pemsync")

        def summary(report: Any) -> str:
            return _(
                "Bundle written and checked: {path} ({changes} changes, {photos} photo files). "
                "It is safe to remove the USB stick."
            ).format(path=report.path, changes=report.ops, photos=report.blobs)

        data_dir, chosen = self.data_dir, target
        return self._run(
            N_("Export USB bundle"), lambda p: jobs.export_bundle(data_dir, chosen, p), summary
        )

    def import_bundle(self, source: Path | None = None) -> SyncDialog | None:
        if source is None:
            name, _filter = QFileDialog.getOpenFileName(
                self.window, _("Import USB bundle"), str(Path.home()), "pemdesk (*.pemsync)"
            )
            if not name:
                return None
            source = Path(name)

        def summary(report: Any) -> str:
            if report.kind == "ack":
                return _("The server confirmed {acked} changes; {receipts} seal receipts.").format(
                    acked=report.acked, receipts=report.receipts
                )
            if report.already_had:
                return _("This bundle holds nothing new for this computer.")
            return _("Received {n} changes from the server.").format(n=report.pulled)

        data_dir, chosen = self.data_dir, source
        return self._run(
            N_("Import USB bundle"), lambda p: jobs.import_bundle(data_dir, chosen, p), summary
        )

    def open_problems(self) -> QWidget:
        from pemdesk.ui.sync.problems_view import ProblemsDialog

        dialog = ProblemsDialog(self.window.ops, self.window)
        self.dialog = dialog
        dialog.show()
        return dialog

    def open_conflicts(self) -> QWidget:
        from pemdesk.sync.conflicts import list_conflicts, resolve_conflict
        from pemdesk.ui.sync.conflicts_view import ConflictsDialog

        dialog = ConflictsDialog(
            self.window.ops,
            list_conflicts,
            resolve_conflict,
            self.window,
            can_resolve=self.overview.get("role") == "coordinator",
        )
        self.dialog = dialog
        dialog.show()
        return dialog


def install(window: Any) -> SyncArea:
    window.sync_area = SyncArea(window)
    return window.sync_area
