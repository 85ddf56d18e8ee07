"""The synced records of findings as cases, grievances, EMP commitments and sign-offs (m006)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from pemdesk.i18n import _, tr
from pemdesk.ids import new_id


def N_(message: str) -> str:  # noqa: N802 - gettext's name for "mark for translation only"
    return message


class Party(StrEnum):
    """Who is responsible for a finding, or whom a participant represents."""

    COMPANY = "company"
    SOUM = "soum"
    AIMAG_AGENCY = "aimag_agency"
    INSPECTORATE = "inspectorate"
    MINISTRY = "ministry"
    HERDERS = "herders"
    COMMITTEE = "committee"
    NGO = "ngo"
    OTHER = "other"


class StepKind(StrEnum):
    RESPONSE = "response"  # the responsible party's answer and planned action
    REINSPECTION = "reinspection"  # looked at again at a follow-up visit, with evidence
    RESOLVED = "resolved"  # closed (e.g. by the coordinator on documents)
    REOPENED = "reopened"
    NOTE = "note"


class Outcome(StrEnum):
    RESOLVED = "resolved"
    PARTLY = "partly"
    NOT_RESOLVED = "not_resolved"


class CaseStatus(StrEnum):
    OPEN = "open"
    ANSWERED = "answered"
    REINSPECTED = "reinspected"  # seen again, partly fixed: still open
    RESOLVED = "resolved"
    REOPENED = "reopened"


class Channel(StrEnum):
    IN_PERSON = "in_person"
    PHONE = "phone"
    LETTER = "letter"
    OTHER = "other"


class GrievanceCategory(StrEnum):
    DUST = "dust"
    WATER = "water"
    NOISE = "noise"
    LAND = "land"
    LIVESTOCK = "livestock"
    ROADS = "roads"
    OTHER = "other"


class GrievanceStatus(StrEnum):
    RECEIVED = "received"
    INVESTIGATING = "investigating"
    RESOLVED = "resolved"
    CLOSED = "closed"  # closed without a remedy (e.g. not founded), with the reason


class AssessmentResult(StrEnum):
    MET = "met"
    PARTLY = "partly"
    NOT_MET = "not_met"
    NOT_CHECKED = "not_checked"


class SignKind(StrEnum):
    SIGNED = "signed"  # drawn signature (vector strokes)
    TYPED = "typed"  # typed name, for those who cannot sign on the pad
    DISSENT = "dissent"  # disagrees, with the reason (may also sign or type a name)
    ABSENT = "absent"  # left before the end


OPEN_STATUSES = frozenset({CaseStatus.OPEN, CaseStatus.ANSWERED, CaseStatus.REINSPECTED,
                           CaseStatus.REOPENED})

# Keyed by (enum class, value): values repeat across enums ("other", "resolved", "partly").
_LABEL_LIST: list[tuple[StrEnum, str]] = [
    (Party.COMPANY, N_("Company")),
    (Party.SOUM, N_("Soum administration")),
    (Party.AIMAG_AGENCY, N_("Aimag agency")),
    (Party.INSPECTORATE, N_("Inspection agency")),
    (Party.MINISTRY, N_("Ministry")),
    (Party.HERDERS, N_("Herders, citizens")),
    (Party.COMMITTEE, N_("Monitoring committee")),
    (Party.NGO, N_("NGO")),
    (Party.OTHER, N_("Other party")),
    (StepKind.RESPONSE, N_("Response")),
    (StepKind.REINSPECTION, N_("Re-inspection")),
    (StepKind.RESOLVED, N_("Marked resolved")),
    (StepKind.REOPENED, N_("Reopened")),
    (StepKind.NOTE, N_("Note")),
    (Outcome.RESOLVED, N_("Fixed")),
    (Outcome.PARTLY, N_("Partly fixed")),
    (Outcome.NOT_RESOLVED, N_("Not fixed")),
    (CaseStatus.OPEN, N_("Open")),
    (CaseStatus.ANSWERED, N_("Answered")),
    (CaseStatus.REINSPECTED, N_("Re-inspected, still open")),
    (CaseStatus.RESOLVED, N_("Resolved")),
    (CaseStatus.REOPENED, N_("Reopened")),
    (Channel.IN_PERSON, N_("In person")),
    (Channel.PHONE, N_("Phone")),
    (Channel.LETTER, N_("Letter")),
    (Channel.OTHER, N_("Other way")),
    (GrievanceCategory.DUST, N_("Dust")),
    (GrievanceCategory.WATER, N_("Water")),
    (GrievanceCategory.NOISE, N_("Noise")),
    (GrievanceCategory.LAND, N_("Land")),
    (GrievanceCategory.LIVESTOCK, N_("Livestock")),
    (GrievanceCategory.ROADS, N_("Roads")),
    (GrievanceCategory.OTHER, N_("Other complaint")),
    (GrievanceStatus.RECEIVED, N_("Received")),
    (GrievanceStatus.INVESTIGATING, N_("Being investigated")),
    (GrievanceStatus.RESOLVED, N_("Resolved")),
    (GrievanceStatus.CLOSED, N_("Closed")),
    (AssessmentResult.MET, N_("Met")),
    (AssessmentResult.PARTLY, N_("Partly met")),
    (AssessmentResult.NOT_MET, N_("Not met")),
    (AssessmentResult.NOT_CHECKED, N_("Not checked")),
    (SignKind.SIGNED, N_("Signed")),
    (SignKind.TYPED, N_("Typed name")),
    (SignKind.DISSENT, N_("Dissent")),
    (SignKind.ABSENT, N_("Absent")),
]
LABELS: dict[tuple[type, str], str] = {(type(m), m.value): text for m, text in _LABEL_LIST}


def case_label(value: StrEnum, lang: str | None = None) -> str:
    english = LABELS.get((type(value), value.value), str(value))
    return _(english) if lang is None else tr(english, lang)


@dataclass
class FindingCase:
    """What makes a finding a case: who must fix it, by when, and its evidence.

    One per finding (``id`` = the finding's id), recorded with the visit and sealed with it.
    """

    finding_id: str
    visit_id: str
    site_id: str
    responsible_party: Party = Party.COMPANY
    responsible_name: str = ""
    due_on: str | None = None  # YYYY-MM-DD
    photo_ids: list[str] = field(default_factory=list)
    observation_ids: list[str] = field(default_factory=list)
    plot_id: str | None = None
    grievance_id: str | None = None
    id: str = ""

    def __post_init__(self) -> None:
        self.id = self.id or self.finding_id


@dataclass
class FindingStep:
    """One step of a finding's lifecycle: written once, never edited (append-only)."""

    finding_id: str
    kind: StepKind
    on_date: str  # YYYY-MM-DD
    by_name: str = ""
    by_party: Party | None = None
    text: str = ""  # the response, or what was seen
    planned_action: str = ""
    planned_by: str | None = None  # date the responsible party promises
    visit_id: str | None = None  # the follow-up visit of a re-inspection
    outcome: Outcome | None = None
    photo_ids: list[str] = field(default_factory=list)
    id: str = field(default_factory=new_id)


@dataclass
class Grievance:
    site_id: str
    received_at: str
    category: GrievanceCategory
    description: str
    channel: Channel = Channel.IN_PERSON
    received_by: str = ""
    ref_no: str = ""
    lon: float | None = None
    lat: float | None = None
    status: GrievanceStatus = GrievanceStatus.RECEIVED
    closed_on: str | None = None
    resolution: str = ""
    photo_ids: list[str] = field(default_factory=list)
    visit_ids: list[str] = field(default_factory=list)
    finding_ids: list[str] = field(default_factory=list)
    id: str = field(default_factory=new_id)


@dataclass
class Complainant:
    """Who complained (``id`` = the grievance's id). Kept apart from the grievance so the server
    can withhold a confidential identity from every laptop but coordinators' and the owner's."""

    grievance_id: str
    name: str = ""
    contact: str = ""
    confidential: bool = False
    id: str = ""

    def __post_init__(self) -> None:
        self.id = self.id or self.grievance_id


@dataclass
class Commitment:
    """One commitment of a company's Environmental Management Plan for a year."""

    site_id: str
    year: int
    text: str
    target: str = ""  # measurable: "12 ha", "2 times a day", "monthly"
    due_on: str | None = None
    source: str = ""  # "EMP 2025, p. 14"
    licence_no: str = ""
    id: str = field(default_factory=new_id)


@dataclass
class Assessment:
    """A commitment as a visit found it."""

    commitment_id: str
    visit_id: str
    result: AssessmentResult
    note: str = ""
    photo_ids: list[str] = field(default_factory=list)
    id: str = field(default_factory=new_id)


@dataclass
class SignOff:
    """One participant's confirmation of a visit, their dissent, or their absence."""

    visit_id: str
    name: str
    kind: SignKind
    role: str = ""
    party: Party | None = None
    person_id: str | None = None
    strokes: list[list[list[float]]] = field(default_factory=list)
    typed_name: str = ""
    reason: str = ""
    finding_id: str | None = None  # the finding a dissent is about, when it is about one
    signed_at: str | None = None
    id: str = field(default_factory=new_id)
