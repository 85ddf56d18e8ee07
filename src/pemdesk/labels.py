"""Display names of the model's enumerations, translated through the one catalogue."""

from __future__ import annotations

from enum import StrEnum

from pemdesk import model
from pemdesk.i18n import _, tr


def N_(message: str) -> str:  # noqa: N802 - gettext's name for "mark for translation only"
    return message


LABELS: dict[StrEnum, str] = {
    model.PlotStage.DISTURBED: N_("Disturbed"),
    model.PlotStage.TECHNICAL: N_("Technical rehabilitation"),
    model.PlotStage.BIOLOGICAL: N_("Biological rehabilitation"),
    model.PlotStage.HANDED_OVER: N_("Handed over"),
    model.VisitStatus.DRAFT: N_("Draft"),
    model.VisitStatus.FINISHED: N_("Finished"),
    model.Severity.LOW: N_("Low"),
    model.Severity.MEDIUM: N_("Medium"),
    model.Severity.HIGH: N_("High"),
    model.Severity.CRITICAL: N_("Critical"),
    model.FollowUpStatus.OPEN: N_("Open"),
    model.FollowUpStatus.IN_PROGRESS: N_("In progress"),
    model.FollowUpStatus.RESOLVED: N_("Resolved"),
    model.PersonRole.MONITOR: N_("Monitor"),
    model.PersonRole.HERDER: N_("Herder"),
    model.PersonRole.CITIZEN: N_("Local citizen"),
    model.PersonRole.SOUM_OFFICIAL: N_("Soum official"),
    model.PersonRole.INSPECTOR: N_("Inspector"),
    model.PersonRole.COMPANY: N_("Company representative"),
    model.PersonRole.NGO: N_("NGO representative"),
    model.PersonRole.COORDINATOR: N_("Aimag coordinator"),
    model.PersonRole.OTHER: N_("Other"),
    model.SiteKind.LICENCE_AREA: N_("Licence area"),
    model.SiteKind.MINE: N_("Mine"),
    model.SiteKind.PROCESSING_PLANT: N_("Processing plant"),
    model.SiteKind.RIVER_SECTION: N_("River section"),
    model.SiteKind.WELL: N_("Well"),
    model.SiteKind.PASTURE: N_("Pasture"),
    model.SiteKind.OTHER: N_("Other site"),
    model.PositionSource.GPS: N_("GPS"),
    model.PositionSource.MAP: N_("Picked on the map"),
    model.PositionSource.TYPED: N_("Typed in"),
    model.PositionSource.SITE: N_("Site position"),
}


def label(value: StrEnum, lang: str | None = None) -> str:
    """The user-facing name of an enum value in the current (or a given) language."""
    english = LABELS.get(value, str(value))
    return _(english) if lang is None else tr(english, lang)
