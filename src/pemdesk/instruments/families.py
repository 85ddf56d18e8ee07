"""What an importer family code (``ParsedFile.family``, ``instrument.kind``) is called on screen:
makers' and products' names as they write them; the generic kinds in the user's language."""

from __future__ import annotations

from pemdesk.i18n import _
from pemdesk.labels import N_

NAMES = {
    "aeroqual": "Aeroqual",
    "airnow": "AirNow",
    "globalwater": "Global Water",
    "greenspan": "Greenspan",
    "hobo": "Onset HOBO",
    "insitu": "In-Situ",
    "metone_bam": "Met One BAM",
    "metone_bc1054": "Met One BC 1054",
    "metone_ebam": "Met One E-BAM",
    "openaq": "OpenAQ",
    "purpleair": "PurpleAir",
    "quantaq": "QuantAQ",
    "sensit_ramp": "Sensit RAMP",
    "sensor_community": "Sensor.Community",
    "solinst": "Solinst Levelogger",
    "solinst_lev": "Solinst Levelogger",
    "solinst_xle": "Solinst Levelogger",
    "tceq_hourly": "TCEQ CAMS",
    "thermo_teom": "Thermo TEOM",
    "tsi_dusttrak": "TSI DustTrak",
    "upas": "Access Sensor UPAS",
    "ysi_exo": "YSI EXO",
}
GENERIC = {
    "generic": N_("table (CSV) by its column names"),
    "spreadsheet": N_("spreadsheet (XLSX/ODS)"),
    "noise": N_("sound level log (LAeq)"),
}


def family_name(code: str) -> str:
    """The family's name for the screen; an unknown code is shown as it is."""
    if code in GENERIC:
        return _(GENERIC[code])
    return NAMES.get(code, code)
