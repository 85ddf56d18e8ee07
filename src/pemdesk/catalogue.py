"""The indicator catalogue: what can be measured or observed, and how values are checked.

The catalogue is data (``resources/catalogue/indicators.json``), not code, so that a coordinator
can update names, ranges and limits without a new program version. This module reads it, checks
that it is self-consistent, validates observation values entered by users, and tells which
limits a value breaks. Qt-free and stdlib only.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Literal

from pemdesk.errors import InvalidInput, NotFound
from pemdesk.resources import resource_path

SCHEMA_VERSION = 1
VALUE_TYPES = frozenset({"number", "integer", "category", "boolean", "text"})
LIMIT_KINDS = frozenset({"max", "min"})
AVERAGINGS = frozenset({"24h", "annual", "day", "night"})
# Limits whose source starts with this are national standards, preferred for display.
NATIONAL_PREFIX = "MNS"
TEXT_MAX_CHARS = 2000

ObservationValue = float | int | str | bool

_AVERAGING_LABELS: dict[str, tuple[str, str]] = {
    "24h": ("24 цагийн дундаж", "24-h mean"),
    "annual": ("жилийн дундаж", "annual mean"),
    "day": ("өдөр", "day"),
    "night": ("шөнө", "night"),
}
_PERIOD_MN = {"24h": "24 цагийн ", "annual": "жилийн ", "day": "өдрийн ", "night": "шөнийн "}
_PERIOD_EN = {"24h": "24-h ", "annual": "annual ", "day": "daytime ", "night": "night-time "}
# Words people type for yes/no, in both languages; matched case-insensitively.
_TRUE_WORDS = frozenset({"1", "true", "yes", "y", "тийм", "т", "байгаа", "байна"})
_FALSE_WORDS = frozenset({"0", "false", "no", "n", "үгүй", "ү", "байхгүй", "алга"})
# Plain decimal notation only: float() would also take "nan", "inf" and "1_000".
_NUMBER_RE = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


class CatalogueError(InvalidInput):
    """The catalogue file itself is broken (bad JSON or inconsistent content)."""


def format_number(value: float, decimals: int | None = None) -> str:
    """A number as people write it: no trailing ``.0``, no exponent."""
    if decimals is not None:
        return f"{value:.{decimals}f}"
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    return f"{value:f}".rstrip("0").rstrip(".")


@dataclass(frozen=True)
class Limit:
    """A regulatory or guideline limit; ``kind`` says whether the value may not exceed it."""

    kind: Literal["max", "min"]
    value: float
    averaging: str | None
    source: str
    note_mn: str = ""
    note_en: str = ""

    @property
    def is_national(self) -> bool:
        return self.source.startswith(NATIONAL_PREFIX)

    def is_broken_by(self, value: float) -> bool:
        return value > self.value if self.kind == "max" else value < self.value

    def note(self, lang: str = "mn") -> str:
        return self.note_mn if lang == "mn" else self.note_en


@dataclass(frozen=True)
class Category:
    code: str
    name_mn: str
    name_en: str

    def name(self, lang: str = "mn") -> str:
        return self.name_mn if lang == "mn" else self.name_en


@dataclass(frozen=True)
class Method:
    """A suggested method or instrument for an indicator."""

    mn: str
    en: str

    def name(self, lang: str = "mn") -> str:
        return self.mn if lang == "mn" else self.en


@dataclass(frozen=True)
class Group:
    code: str
    name_mn: str
    name_en: str

    def name(self, lang: str = "mn") -> str:
        return self.name_mn if lang == "mn" else self.name_en


@dataclass(frozen=True)
class Indicator:
    code: str
    group: str
    name_mn: str
    name_en: str
    unit: str
    value_type: Literal["number", "integer", "category", "boolean", "text"]
    valid_min: float | None
    valid_max: float | None
    decimals: int
    categories: tuple[Category, ...] = ()
    methods: tuple[Method, ...] = ()
    limits: tuple[Limit, ...] = ()
    sources: tuple[str, ...] = ()  # where the method comes from (biological indicators)

    def name(self, lang: str = "mn") -> str:
        return self.name_mn if lang == "mn" else self.name_en

    @property
    def is_numeric(self) -> bool:
        return self.value_type in ("number", "integer")

    def category(self, code: str) -> Category:
        for category in self.categories:
            if category.code == code:
                return category
        raise NotFound(
            f"«{self.name_mn}» үзүүлэлтэд «{code}» ангилал байхгүй.",
            f"“{self.name_en}” has no category “{code}”.",
            detail=f"indicator={self.code}",
        )

    def format_value(self, value: ObservationValue, lang: str = "mn") -> str:
        """A stored value for tables and reports (categories by name, numbers by decimals)."""
        if self.value_type == "category":
            return self.category(str(value)).name(lang)
        if self.value_type == "boolean":
            yes = bool(value)
            return ("Тийм" if yes else "Үгүй") if lang == "mn" else ("Yes" if yes else "No")
        if self.is_numeric and isinstance(value, int | float):
            decimals = 0 if self.value_type == "integer" else self.decimals
            # rounded to the indicator's precision, never padded: 9.6 typed is not "9.60"
            return format_number(round(float(value), decimals))
        return str(value)

    def limit_text(self, limit: Limit, lang: str = "mn") -> str:
        """E.g. ``≤ 100 µg/m³ (24-h mean, MNS 4585:2016)``."""
        sign = "≤" if limit.kind == "max" else "≥"
        unit = f" {self.unit}" if self.unit else ""
        parts = []
        if limit.averaging:
            mn, en = _AVERAGING_LABELS[limit.averaging]
            parts.append(mn if lang == "mn" else en)
        parts.append(limit.source)
        return f"{sign} {format_number(limit.value)}{unit} ({', '.join(parts)})"

    def exceedance_text(self, limit: Limit, lang: str = "mn", *, single: bool = True) -> str:
        """Honest wording: which limit, which averaging period, and that one reading is not
        yet an exceedance of a mean, e.g. "A single reading above the 24-h limit value of
        MNS 4585:2016 (100 µg/m³)" or "… above the WHO 2021 annual guideline (15 µg/m³)"."""
        guideline = not limit.is_national and "WHO" in limit.source.upper()
        unit = f" {self.unit}" if self.unit and self.unit != "count" else ""
        amount = f"{format_number(limit.value)}{unit}"
        above = limit.kind == "max"
        if lang == "mn":
            period = _PERIOD_MN.get(limit.averaging or "", "")
            what = "зөвлөмж утга" if guideline else "хязгаарын утга"
            source = limit.source.replace("WHO", "ДЭМБ")
            head = "Нэг удаагийн хэмжилт" if single else "Утга"
            side = "их" if above else "бага"
            return f"{head} {source}-ийн {period}{what} ({amount})-аас {side}".replace("  ", " ")
        period = _PERIOD_EN.get(limit.averaging or "", "")
        what = "guideline" if guideline else "limit value"
        head = "A single reading" if single else "Value"
        side = "above" if above else "below"
        return f"{head} {side} the {period}{what} of {limit.source} ({amount})"

    def range_text(self) -> str:
        unit = f" {self.unit}" if self.unit and self.unit != "count" else ""
        lo = "" if self.valid_min is None else format_number(self.valid_min)
        hi = "" if self.valid_max is None else format_number(self.valid_max)
        return f"{lo}–{hi}{unit}"


@cache
def _load_shipped() -> Catalogue:
    return Catalogue.from_file(resource_path("catalogue", "indicators.json"))


class Catalogue:
    """All indicators, in file order, with lookup, validation and exceedance checks."""

    def __init__(self, indicators: Iterable[Indicator], groups: Iterable[Group] = ()) -> None:
        self._indicators: tuple[Indicator, ...] = tuple(indicators)
        self._groups: tuple[Group, ...] = tuple(groups)
        self._by_code: dict[str, Indicator] = {i.code: i for i in self._indicators}
        _check_consistency(self._indicators, self._groups)

    # --- construction -------------------------------------------------------------------------

    @classmethod
    def load(cls) -> Catalogue:
        """The shipped catalogue, read once per process."""
        return _load_shipped()

    @classmethod
    def from_file(cls, path: Path | str) -> Catalogue:
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CatalogueError(
                "Үзүүлэлтийн жагсаалтын файлыг уншиж чадсангүй.",
                "The indicator catalogue file could not be read.",
                detail=f"{path}: {exc}",
            ) from exc
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise CatalogueError(
                "Үзүүлэлтийн жагсаалтын файл эвдэрсэн байна (JSON алдаатай).",
                "The indicator catalogue file is broken (invalid JSON).",
                detail=f"{path}: line {exc.lineno} column {exc.colno}: {exc.msg}",
            ) from exc
        try:
            return cls.from_dict(data)
        except CatalogueError as exc:
            exc.detail = f"{path}: {exc.detail}"
            raise

    @classmethod
    def from_dict(cls, data: Any) -> Catalogue:
        """Build from parsed JSON (also used for a catalogue received by sync)."""
        if not isinstance(data, dict):
            raise _broken("top level must be an object")
        if data.get("schema") != SCHEMA_VERSION:
            raise CatalogueError(
                "Үзүүлэлтийн жагсаалтын хувилбарыг энэ программ танихгүй байна. "
                "Программаа шинэчилнэ үү.",
                "This program does not know this version of the indicator catalogue. "
                "Please update the program.",
                detail=f"schema={data.get('schema')!r}, expected {SCHEMA_VERSION}",
            )
        raw_indicators = data.get("indicators")
        if not isinstance(raw_indicators, list):
            raise _broken("'indicators' must be a list")
        groups = [_parse_group(g, n) for n, g in enumerate(data.get("groups") or [])]
        indicators = [_parse_indicator(i, n) for n, i in enumerate(raw_indicators)]
        return cls(indicators, groups)

    # --- lookup ---------------------------------------------------------------------------------

    def get(self, code: str) -> Indicator:
        try:
            return self._by_code[code]
        except KeyError:
            raise NotFound(
                f"«{code}» гэсэн үзүүлэлт жагсаалтад алга.",
                f"There is no indicator “{code}” in the catalogue.",
                detail=f"code={code!r}",
            ) from None

    def __contains__(self, code: object) -> bool:
        return code in self._by_code

    def __len__(self) -> int:
        return len(self._indicators)

    def all(self) -> tuple[Indicator, ...]:
        return self._indicators

    def groups(self) -> tuple[Group, ...]:
        return self._groups

    def group(self, code: str) -> Group:
        for group in self._groups:
            if group.code == code:
                return group
        raise NotFound(
            f"«{code}» гэсэн бүлэг алга.", f"There is no group “{code}”.", detail=f"group={code!r}"
        )

    def by_group(self) -> dict[str, tuple[Indicator, ...]]:
        """Indicators per group code, groups in catalogue order (empty groups left out)."""
        order = [g.code for g in self._groups]
        for indicator in self._indicators:
            if indicator.group not in order:
                order.append(indicator.group)
        result = {code: tuple(i for i in self._indicators if i.group == code) for code in order}
        return {code: items for code, items in result.items() if items}

    # --- values ---------------------------------------------------------------------------------

    def validate(self, code: str, value: object) -> ObservationValue:
        """The value normalised for storage, or ``InvalidInput`` saying what is wrong.

        Numbers: float (integers: int); "7,2" and "7.2" both accepted. Categories: the category
        code (a code or a name in either language is accepted). Booleans: bool. Text: stripped.
        """
        indicator = self.get(code)
        if value is None or (isinstance(value, str) and not value.strip()):
            raise InvalidInput(
                f"«{indicator.name_mn}» үзүүлэлтийн утга хоосон байна. Утга оруулна уу.",
                f"No value was given for “{indicator.name_en}”. Please enter a value.",
                detail=f"indicator={code}",
            )
        if indicator.value_type == "number":
            return _check_range(indicator, _to_number(indicator, value))
        if indicator.value_type == "integer":
            return int(_check_range(indicator, _to_integer(indicator, value)))
        if indicator.value_type == "category":
            return _to_category(indicator, value)
        if indicator.value_type == "boolean":
            return _to_boolean(indicator, value)
        return _to_text(indicator, value)

    def exceedances(self, code: str, value: object, averaging: str | None = None) -> list[Limit]:
        """Limits the value breaks, after validating it.

        With ``averaging`` given, only limits for that averaging period (and limits without
        one) are checked; with None, all limits are. Whether a single reading may be compared
        with e.g. a 24-h limit is for the caller to say.
        """
        if averaging is not None and averaging not in AVERAGINGS:
            raise ValueError(f"unknown averaging {averaging!r}")
        indicator = self.get(code)
        if not indicator.is_numeric or not indicator.limits:
            return []
        number = float(self.validate(code, value))
        return [
            limit
            for limit in indicator.limits
            if (averaging is None or limit.averaging in (None, averaging))
            and limit.is_broken_by(number)
        ]

    def primary_limit(self, code: str, averaging: str | None = None) -> Limit | None:
        """The limit to show next to a value: the national standard's first, else any first."""
        limits = [
            limit
            for limit in self.get(code).limits
            if averaging is None or limit.averaging in (None, averaging)
        ]
        national = [limit for limit in limits if limit.is_national]
        chosen = national or limits
        return chosen[0] if chosen else None


# --- parsing ------------------------------------------------------------------------------------


def _broken(problem: str) -> CatalogueError:
    return CatalogueError(
        "Үзүүлэлтийн жагсаалтын файл алдаатай байна. Файлаа шалгах эсвэл шинээр татна уу.",
        "The indicator catalogue file has an error. Check the file or download it again.",
        detail=problem,
    )


def _field(raw: Mapping[str, Any], key: str, where: str, kind: type | tuple[type, ...]) -> Any:
    if key not in raw:
        raise _broken(f"{where}: missing '{key}'")
    value = raw[key]
    # bool is an int subclass; a true/false where a number belongs is a mistake.
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise _broken(f"{where}: '{key}' has the wrong type ({type(value).__name__})")
    return value


def _optional_number(raw: Mapping[str, Any], key: str, where: str) -> float | None:
    if raw.get(key) is None:
        return None
    return float(_field(raw, key, where, (int, float)))


def _as_object(raw: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(raw, dict):
        raise _broken(f"{where}: must be an object")
    return raw


def _parse_group(raw: Any, n: int) -> Group:
    raw = _as_object(raw, f"groups[{n}]")
    where = f"groups[{n}]"
    return Group(
        code=_field(raw, "code", where, str),
        name_mn=_field(raw, "name_mn", where, str),
        name_en=_field(raw, "name_en", where, str),
    )


def _parse_indicator(raw: Any, n: int) -> Indicator:
    raw = _as_object(raw, f"indicators[{n}]")
    where = f"indicators[{n}] ({raw.get('code', '?')})"
    value_type = _field(raw, "value_type", where, str)
    if value_type not in VALUE_TYPES:
        raise _broken(f"{where}: unknown value_type {value_type!r}")
    categories = tuple(
        Category(
            code=_field(c, "code", f"{where} category", str),
            name_mn=_field(c, "name_mn", f"{where} category", str),
            name_en=_field(c, "name_en", f"{where} category", str),
        )
        for c in (_as_object(c, f"{where} category") for c in raw.get("categories") or [])
    )
    methods = tuple(
        Method(
            mn=_field(m, "mn", f"{where} method", str), en=_field(m, "en", f"{where} method", str)
        )
        for m in (_as_object(m, f"{where} method") for m in raw.get("methods") or [])
    )
    limits = tuple(
        _parse_limit(_as_object(x, f"{where} limit"), where) for x in raw.get("limits") or []
    )
    return Indicator(
        code=_field(raw, "code", where, str),
        group=_field(raw, "group", where, str),
        name_mn=_field(raw, "name_mn", where, str),
        name_en=_field(raw, "name_en", where, str),
        unit=_field(raw, "unit", where, str),
        value_type=value_type,
        valid_min=_optional_number(raw, "valid_min", where),
        valid_max=_optional_number(raw, "valid_max", where),
        decimals=int(_field(raw, "decimals", where, int)) if "decimals" in raw else 0,
        categories=categories,
        methods=methods,
        limits=limits,
        sources=tuple(str(x) for x in raw.get("sources") or []),
    )


def _parse_limit(raw: Mapping[str, Any], where: str) -> Limit:
    where = f"{where} limit"
    kind = _field(raw, "kind", where, str)
    if kind not in LIMIT_KINDS:
        raise _broken(f"{where}: kind must be 'max' or 'min', not {kind!r}")
    averaging = raw.get("averaging")
    if averaging is not None and averaging not in AVERAGINGS:
        raise _broken(f"{where}: unknown averaging {averaging!r}")
    source = _field(raw, "source", where, str)
    if not source.strip():
        raise _broken(f"{where}: every limit needs its source")
    return Limit(
        kind=kind,
        value=float(_field(raw, "value", where, (int, float))),
        averaging=averaging,
        source=source,
        note_mn=str(raw.get("note_mn") or ""),
        note_en=str(raw.get("note_en") or ""),
    )


def _check_consistency(indicators: tuple[Indicator, ...], groups: tuple[Group, ...]) -> None:
    seen: set[str] = set()
    group_codes = {g.code for g in groups}
    if len(group_codes) != len(groups):
        raise _broken("duplicate group codes")
    for ind in indicators:
        where = f"indicator {ind.code!r}"
        if not ind.code.strip() or ind.code in seen:
            raise _broken(f"{where}: code is empty or used twice")
        seen.add(ind.code)
        if groups and ind.group not in group_codes:
            raise _broken(f"{where}: group {ind.group!r} is not declared in 'groups'")
        if not ind.name_mn.strip() or not ind.name_en.strip():
            raise _broken(f"{where}: needs names in both languages")
        if ind.is_numeric:
            if ind.valid_min is None or ind.valid_max is None:
                raise _broken(f"{where}: numeric indicators need valid_min and valid_max")
            if not ind.valid_min < ind.valid_max:
                raise _broken(f"{where}: valid_min must be less than valid_max")
            for limit in ind.limits:
                if not ind.valid_min <= limit.value <= ind.valid_max:
                    raise _broken(f"{where}: limit {limit.value} outside the valid range")
        elif ind.limits:
            raise _broken(f"{where}: only numeric indicators can have limits")
        if ind.value_type == "category":
            codes = [c.code for c in ind.categories]
            if not codes:
                raise _broken(f"{where}: category indicators need categories")
            if len(set(codes)) != len(codes):
                raise _broken(f"{where}: duplicate category codes")
        elif ind.categories:
            raise _broken(f"{where}: only category indicators can have categories")
        if ind.decimals < 0:
            raise _broken(f"{where}: decimals must not be negative")


# --- value conversion ---------------------------------------------------------------------------


def _shown(value: object) -> str:
    if isinstance(value, float):
        return format_number(value)
    return str(value).strip()


def _not_a_number(indicator: Indicator, value: object, *, whole: bool = False) -> InvalidInput:
    shown = _shown(value)
    if whole:
        return InvalidInput(
            f"«{indicator.name_mn}» үзүүлэлтийн утга «{shown}» бүхэл тоо биш байна. "
            "Бүхэл тоо оруулна уу (жишээ нь 12).",
            f"“{shown}” is not a whole number; “{indicator.name_en}” needs a whole number "
            "such as 12.",
            detail=f"indicator={indicator.code} value={value!r}",
        )
    return InvalidInput(
        f"«{indicator.name_mn}» үзүүлэлтийн утга «{shown}» тоо биш байна. "
        "Тоо оруулна уу (жишээ нь 7,2 эсвэл 7.2).",
        f"“{shown}” is not a number; “{indicator.name_en}” needs a number such as 7.2 or 7,2.",
        detail=f"indicator={indicator.code} value={value!r}",
    )


def _to_number(indicator: Indicator, value: object) -> float:
    if isinstance(value, bool):
        raise _not_a_number(indicator, value)
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        # Both separators are in daily use; a value with both (1.234,5) is ambiguous.
        text = value.strip().replace("\u2212", "-")
        if "," in text and "." in text:
            raise _not_a_number(indicator, value)
        text = text.replace(",", ".")
        if not _NUMBER_RE.fullmatch(text):
            raise _not_a_number(indicator, value)
        number = float(text)
    else:
        raise _not_a_number(indicator, value)
    if not math.isfinite(number):
        raise _not_a_number(indicator, value)
    return number


def _to_integer(indicator: Indicator, value: object) -> float:
    try:
        number = _to_number(indicator, value)
    except InvalidInput:
        raise _not_a_number(indicator, value, whole=True) from None
    if not number.is_integer():
        raise _not_a_number(indicator, value, whole=True)
    return number


def _check_range(indicator: Indicator, number: float) -> float:
    assert indicator.valid_min is not None and indicator.valid_max is not None
    if indicator.valid_min <= number <= indicator.valid_max:
        return number
    shown = format_number(number)
    allowed = indicator.range_text()
    raise InvalidInput(
        f"«{indicator.name_mn}» үзүүлэлтийн утга {shown} нь зөвшөөрөгдөх мужаас ({allowed}) "
        "гадуур байна. Утгаа шалгана уу.",
        f"The value {shown} for “{indicator.name_en}” is outside the allowed range {allowed}. "
        "Please check the value.",
        detail=f"indicator={indicator.code} value={number!r}",
    )


def _to_category(indicator: Indicator, value: object) -> str:
    text = str(value).strip().casefold()
    for category in indicator.categories:
        names = {category.code, category.name_mn, category.name_en}
        if text in {n.casefold() for n in names}:
            return category.code
    allowed_mn = ", ".join(c.name_mn for c in indicator.categories)
    allowed_en = ", ".join(c.name_en for c in indicator.categories)
    shown = _shown(value)
    raise InvalidInput(
        f"«{indicator.name_mn}» үзүүлэлтэд «{shown}» гэсэн ангилал байхгүй. "
        f"Дараахаас сонгоно уу: {allowed_mn}.",
        f"“{shown}” is not a category of “{indicator.name_en}”. Choose one of: {allowed_en}.",
        detail=f"indicator={indicator.code} value={value!r}",
    )


def _to_boolean(indicator: Indicator, value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    text = str(value).strip().casefold()
    if text in _TRUE_WORDS:
        return True
    if text in _FALSE_WORDS:
        return False
    shown = _shown(value)
    raise InvalidInput(
        f"«{indicator.name_mn}» үзүүлэлтийн утга «{shown}» буруу байна. «Тийм» эсвэл «Үгүй» "
        "гэж оруулна уу.",
        f"“{shown}” is not a valid answer for “{indicator.name_en}”. Enter yes or no.",
        detail=f"indicator={indicator.code} value={value!r}",
    )


def _to_text(indicator: Indicator, value: object) -> str:
    text = str(value).strip()
    if len(text) > TEXT_MAX_CHARS:
        raise InvalidInput(
            f"«{indicator.name_mn}» үзүүлэлтийн бичвэр хэт урт байна "
            f"({TEXT_MAX_CHARS} тэмдэгтээс ихгүй).",
            f"The text for “{indicator.name_en}” is too long (at most {TEXT_MAX_CHARS} "
            "characters).",
            detail=f"indicator={indicator.code} length={len(text)}",
        )
    return text
