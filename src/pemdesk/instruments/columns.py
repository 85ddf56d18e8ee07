"""Which column is which indicator, and in which unit: names and units as instruments write them.

Catalogue indicators (``air.pm25``, ``water.ph`` …) carry the catalogue's unit; a few auxiliary
quantities that QC and corrections need (relative humidity for the PurpleAir correction, air
temperature, pressure, ozone, CO …) are kept with their own codes and units. Unit conversion is
a small table of the factors instruments actually need (``pint`` cannot do ppb → µg/m³ without a
molar mass, and the table keeps the bundle small).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# code → (unit, Mongolian name, English name). Catalogue codes take the catalogue's unit.
AUX_INDICATORS: dict[str, tuple[str, str, str]] = {
    "met.temperature": ("°C", "Агаарын температур", "Air temperature"),
    "met.rh": ("%", "Агаарын харьцангуй чийгшил", "Relative humidity"),
    "met.pressure": ("hPa", "Агаарын даралт", "Air pressure"),
    "met.wind_speed": ("m/s", "Салхины хурд", "Wind speed"),
    "air.o3": ("µg/m³", "Озон (O3)", "Ozone (O3)"),
    "air.co": ("mg/m³", "Нүүрстөрөгчийн дутуу исэл (CO)", "Carbon monoxide (CO)"),
    "air.co2": ("ppm", "Нүүрсхүчлийн хий (CO2)", "Carbon dioxide (CO2)"),
    "air.pm1": ("µg/m³", "PM1 тоосонцор", "Particulate matter PM1"),
    "water.salinity": ("psu", "Давсжилт", "Salinity"),
    "water.level": ("m", "Усны түвшин / даралт", "Water level / pressure head"),
    "water.do_sat": ("%", "Уусмал хүчилтөрөгчийн ханалт", "Dissolved oxygen saturation"),
}

UNITS_OF_CATALOGUE = {
    "air.pm25": "µg/m³", "air.pm10": "µg/m³", "air.tsp": "µg/m³", "air.so2": "µg/m³",
    "air.no2": "µg/m³", "noise.laeq": "dBA", "water.ph": "", "water.ec": "µS/cm",
    "water.tds": "mg/L", "water.turbidity": "NTU", "water.temperature": "°C",
    "water.well_level": "m", "water.dissolved_oxygen": "mg/L",
}

# Molar masses for ppb → µg/m³ at 25 °C and 1013 hPa (24.45 L/mol).
_MOLAR = {"air.no2": 46.0055, "air.so2": 64.066, "air.o3": 47.997, "air.co": 28.010}


def unit_of(code: str) -> str:
    if code in UNITS_OF_CATALOGUE:
        return UNITS_OF_CATALOGUE[code]
    return AUX_INDICATORS.get(code, ("", "", ""))[0]


def normalise_unit(text: str) -> str:
    t = text.strip().lower().replace("µ", "u").replace("μ", "u").replace("³", "3")
    t = t.replace("\ufffd", "").replace("°", "").replace("ø", "").replace(" ", "").strip("()[]")
    aliases = {
        "ug/m3": "ug/m3", "ugm-3": "ug/m3", "ug*m^-3": "ug/m3", "mg/m3": "mg/m3",
        "ng/m3": "ng/m3", "ppb": "ppb", "ppm": "ppm", "c": "C", "degc": "C", "celsius": "C",
        "f": "F", "degf": "F", "ms/cm": "mS/cm", "us/cm": "uS/cm", "microsiemens/cm": "uS/cm",
        "mg/l": "mg/L", "milligrams/l": "mg/L", "ppt": "ppt", "psu": "psu", "ft": "ft",
        "feet": "ft", "m": "m", "meters": "m", "metres": "m", "cm": "cm", "kpa": "kPa", "psi": "psi", "bars": "bar",
        "bar": "bar", "mbar": "hPa", "hpa": "hPa", "mmhg": "mmHg", "%": "%", "%sat": "%",
        "%saturation": "%", "ntu": "NTU", "fnu": "NTU", "db": "dB", "dba": "dB", "db-a": "dB",
        "m/s": "m/s", "mps": "m/s", "pa": "Pa",
    }
    return aliases.get(t, t)


def convert(code: str, unit: str, values: object) -> tuple[object, str]:
    """Values in ``unit`` → the indicator's unit; (values, note). ValueError if not convertible."""
    import numpy as np

    target = unit_of(code)
    u = normalise_unit(unit) if unit else ""
    v = np.asarray(values, dtype=np.float64)
    tgt = normalise_unit(target) if target else ""
    if not u or u == tgt or (code == "water.ph" and u in ("", "ph")):
        return v, ""
    factor: dict[tuple[str, str], float] = {
        ("mg/m3", "ug/m3"): 1000.0, ("ng/m3", "ug/m3"): 0.001, ("mS/cm", "uS/cm"): 1000.0,
        ("ft", "m"): 0.3048, ("cm", "m"): 0.01, ("kPa", "hPa"): 10.0, ("bar", "hPa"): 1000.0,
        ("psi", "hPa"): 68.9476, ("mmHg", "hPa"): 1.33322, ("Pa", "hPa"): 0.01,
        ("ug/m3", "mg/m3"): 0.001, ("ppb", "ppm"): 0.001, ("ppm", "mg/L"): 1.0,
        ("ppt", "psu"): 1.0,
    }
    if (u, tgt) in factor:
        return v * factor[(u, tgt)], f"{unit} → {target}"
    if (u, tgt) == ("F", "C"):
        return (v - 32.0) * 5.0 / 9.0, "°F → °C"
    if u == "dB" and tgt == "dB":
        return v, ""
    if code in _MOLAR and u in ("ppb", "ppm") and tgt in ("ug/m3", "mg/m3"):
        per_ppb = _MOLAR[code] / 24.45  # µg/m³ per ppb at 25 °C
        k = per_ppb * (1000.0 if u == "ppm" else 1.0) * (0.001 if tgt == "mg/m3" else 1.0)
        return v * k, f"{unit} → {target} (25 °C, 1013 hPa)"
    if code == "water.level" or code == "water.well_level":
        pressure = {"kPa": 0.101972, "psi": 0.703070, "bar": 10.1972, "hPa": 0.0101972}
        if u in pressure:
            return v * pressure[u], f"{unit} → m of water"
    raise ValueError(f"cannot convert {unit!r} to {target!r} for {code}")


@dataclass(frozen=True)
class Rule:
    code: str
    pattern: re.Pattern[str]
    unit: str = ""  # unit assumed when the file does not say


def _r(code: str, rx: str, unit: str = "") -> Rule:
    return Rule(code, re.compile(rx, re.I), unit)


# Order matters: the first rule that matches a column name wins; the first column wins a code.
AIR_RULES = [
    _r("air.pm25", r"^(pm[-_ ]?2[._,]?5(mc)?|p2|sen55_pm2\.5|pm25|pm25_env|pm-2\.5 mc|raw conc\.?|"
                   r"pm2\.5_cf_?1(_a)?|pm2\.5_atm(_a)?|opcn?3?_pm25|pm02|conc)\b", "ug/m3"),
    _r("air.pm10", r"^(pm[-_ ]?10(\.0)?(mc)?|p1|pm10_env|sen55_pm10|opcn?3?_pm10|pm10\.0_cf1)\b",
       "ug/m3"),
    _r("air.pm1", r"^(pm[-_ ]?1(\.0)?(mc)?|pm01|pm1_env)\b", "ug/m3"),
    _r("air.no2", r"^no2\b", "ppb"), _r("air.so2", r"^so2\b", "ppb"),
    _r("air.o3", r"^o3\b", "ppb"), _r("air.co", r"^co\b", "ppm"), _r("air.co2", r"^(co2|rco2)\b"),
    _r("noise.laeq", r"^(laeq|leq)\b", "dB"),
    _r("met.rh", r"^(rh|humidity|relative humidity|rhum|sample_rh|rhx)\b", "%"),
    _r("met.temperature", r"^(temp|temperature|at|atmp|ambient temperature|sample_temp|atmot|t)\b",
       "C"),
    _r("met.pressure", r"^(pressure|bp|barometric|sample_pres|atmop)\b", "hPa"),
    _r("met.wind_speed", r"^(ws|w/s|wind speed)\b", "m/s"),
]
WATER_RULES = [
    _r("water.temperature", r"^(temp|temperature|wtr|c|°c|\ufffdc|water temp)\b", "C"),
    _r("water.ph", r"^ph\b(?! ?mv)"),
    _r("water.ec", r"^(spcond|sc|cond|conductivity|ec|\ufffds/cm|µs/cm|us/cm)\b", "uS/cm"),
    _r("water.dissolved_oxygen", r"^(do|odo|do conc|rugged do|ldo|do mg/l|odo mg/l)\b(?!.*%)(?!.*sat)",
       "mg/L"),
    _r("water.do_sat", r"^(do ?%|odo ?%|do sat|odo% ?|rugged do sat|%sat)", "%"),
    _r("water.turbidity", r"^(turb|turbidity)\b", "NTU"),
    _r("water.tds", r"^(tds)\b", "mg/L"),
    _r("water.salinity", r"^(sal|salinity)\b", "psu"),
    _r("water.level", r"^(level|depth|feet|pressure head|water level)\b", "m"),
]

UNIT_IN_TITLE = re.compile(
    r"[\(\[]\s*([^()\[\]]*?(?:/m3|/m³|ppb|ppm|°[CF]|deg ?[CF]|/cm|mg/l|%|ft|kpa|psi|hpa|mbar|"
    r"ntu|fnu|m/s|mps|[CF]|m|db)[^()\[\]]*?)\s*[\)\]]", re.I)


def split_title(title: str) -> tuple[str, str]:
    """``'Conc (mg/m3)'`` → ``('Conc', 'mg/m3')``; ``'Temp, °C (LGR S/N: 1)'`` → ``('Temp', '°C')``."""
    t = title.strip().strip('"').replace("\ufeff", "")
    t = re.sub(r"\((?:LGR|SEN) S/N[^)]*\)", "", t).strip()
    m = re.match(r"^([^,]+),\s*([^,(]+)", t)  # HOBO: "Temp, °C"
    if m and re.search(r"°|%|/|lux|mg|ug|µ", m.group(2)):
        return m.group(1).strip(), m.group(2).strip()
    um = UNIT_IN_TITLE.search(t)
    if um:
        return (t[: um.start()] + t[um.end():]).strip(" ,"), um.group(1).strip()
    m = re.match(r"^(.*?)[ _](ug/m3|µg/m³|mg/m3|ppb|ppm|mg/l|µs/cm|°c|%)(?:\s|$)", t, re.I)
    if m:
        return m.group(1), m.group(2)
    m = re.match(r"^(.*?)\s+(dB\s*-?\s*A?)$", t, re.I)
    if m:
        return m.group(1), "dB"
    return t, ""


def match_column(name: str, medium: str) -> Rule | None:
    base = name.strip().strip('"').lower()
    rules = WATER_RULES if medium == "water" else AIR_RULES
    for rule in rules:
        if rule.pattern.search(base):
            return rule
    return None
