"""Small pieces several reports share: place names, finding categories, time and position text."""

from __future__ import annotations

from pemdesk import model
from pemdesk.i18n import format_datetime
from pemdesk.reports.base import Texts


def N_(message: str) -> str:  # noqa: N802 - gettext's name for "mark for translation only"
    return message


FINDING_CATEGORIES = {
    "dust": N_("Dust"),
    "water": N_("Water"),
    "waste": N_("Waste"),
    "rehabilitation": N_("Rehabilitation"),
    "land": N_("Land disturbance"),
    "wildlife": N_("Wildlife and livestock"),
    "noise": N_("Noise"),
    "soil": N_("Soil"),
    "air": N_("Air"),
    "vegetation": N_("Vegetation"),
    "other": N_("Other"),
}


def finding_category(code: str, lang: str) -> str:
    return Texts(lang)(FINDING_CATEGORIES[code]) if code in FINDING_CATEGORIES else code


def finding_category_code(text: str) -> str:
    """The code of a category as shown in either language ("Тоос", "Dust" -> "dust"); any other
    text (also "тоос" typed in lower case) is kept as typed."""
    typed = text.strip()
    for code, english in FINDING_CATEGORIES.items():
        if typed in (code, english, Texts("mn")(english)):
            return code
    return typed


def place_names(site: model.Site, lang: str) -> tuple[str, str]:
    """(aimag, soum) names of a site in the report's language."""
    from pemdesk.gazetteer import Gazetteer

    gaz = Gazetteer.load()
    try:
        soum = gaz.soum(site.soum_code)
        aimag = gaz.aimag(site.aimag_code)
    except Exception:  # noqa: BLE001 - a code the gazetteer no longer has: print the code
        return site.aimag_code, site.soum_code
    return aimag.name(lang), soum.name(lang)


def site_title(site: model.Site, lang: str) -> str:
    """The site's Mongolian name, with the English one after it in English reports."""
    if lang == "en" and site.name_en and site.name_en != site.name_mn:
        return f"{site.name_en} ({site.name_mn})"
    return site.name_mn


def position_text(lon: float | None, lat: float | None) -> str:
    if lon is None or lat is None:
        return ""
    ns, ew = ("N" if lat >= 0 else "S"), ("E" if lon >= 0 else "W")
    return f"{abs(lat):.6f}° {ns}, {abs(lon):.6f}° {ew}"


def bearing_text(bearing: float | None) -> str:
    return "" if bearing is None else f"{bearing:.0f}°"


def time_range(start: str | None, end: str | None, lang: str) -> str:
    if not start:
        return ""
    text = format_datetime(start, lang)
    if end:
        same_day = format_datetime(start, lang)[:10] == format_datetime(end, lang)[:10]
        text += "–" + (format_datetime(end, lang)[-5:] if same_day else format_datetime(end, lang))
    return text
