"""Rehabilitation targets as data: national, aimag and soum hectares by year and stage.

Targets are imported from CSV or XLSX (one row per target, headers in English or Mongolian) and
edited by coordinators; they sync from the server to every laptop. The program ships the
national targets it can cite (``resources/rehab/targets.csv``); until a coordinator imports
them they are shown as built-in. Progress against a target is computed from the plots' stage
histories (``stages``): for a campaign (basis ``in_year``) the hectares that first reached the
target stage during the year; for a ``cumulative`` target the hectares at or past it at year end.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from pemdesk.errors import InvalidInput, NotFound, PemdeskError
from pemdesk.model import PlotStage
from pemdesk.rehab.records import RehabTarget, TargetBasis, TargetLevel
from pemdesk.rehab.stages import STAGE_ORDER, PlotHistory, reached_on, stage_at

# Header names accepted for each field (lower-cased, spaces and dashes as underscores).
HEADERS: dict[str, tuple[str, ...]] = {
    "level": ("level", "түвшин"),
    "aimag": ("aimag", "aimag_code", "аймаг"),
    "soum": ("soum", "soum_code", "сум"),
    "year": ("year", "он"),
    "stage": ("stage", "үе_шат"),
    "area_ha": ("area_ha", "hectares", "ha", "талбай_га", "га"),
    "basis": ("basis", "тооцох_арга"),
    "name": ("name", "campaign", "нэр", "аян"),
    "source": ("source", "эх_сурвалж"),
    "notes": ("notes", "тайлбар"),
}
REQUIRED = ("year", "stage", "area_ha")
STAGE_WORDS: dict[str, PlotStage] = {
    "disturbed": PlotStage.DISTURBED,
    "эвдэрсэн": PlotStage.DISTURBED,
    "technical": PlotStage.TECHNICAL,
    "техникийн": PlotStage.TECHNICAL,
    "biological": PlotStage.BIOLOGICAL,
    "биологийн": PlotStage.BIOLOGICAL,
    "handed_over": PlotStage.HANDED_OVER,
    "хүлээлгэн_өгсөн": PlotStage.HANDED_OVER,
    "accepted": PlotStage.HANDED_OVER,
}
LEVEL_WORDS: dict[str, TargetLevel] = {
    "national": TargetLevel.NATIONAL,
    "үндэсний": TargetLevel.NATIONAL,
    "улс": TargetLevel.NATIONAL,
    "aimag": TargetLevel.AIMAG,
    "аймаг": TargetLevel.AIMAG,
    "soum": TargetLevel.SOUM,
    "сум": TargetLevel.SOUM,
}
BASIS_WORDS: dict[str, TargetBasis] = {
    "in_year": TargetBasis.IN_YEAR,
    "тухайн_жилд": TargetBasis.IN_YEAR,
    "cumulative": TargetBasis.CUMULATIVE,
    "хуримтлагдсан": TargetBasis.CUMULATIVE,
}
MAX_AREA_HA = 1_000_000.0  # Mongolia's damaged land is tens of thousands of hectares


def _key(text: str) -> str:
    return "_".join(text.strip().lower().replace("-", " ").split())


def target_key(t: RehabTarget) -> tuple[str, str, str, int, str, str]:
    """What makes two targets the same one (a re-import updates it instead of adding)."""
    return (
        str(t.level),
        t.aimag_code or "",
        t.soum_code or "",
        int(t.year),
        str(t.stage),
        t.name.strip().lower(),
    )


class TargetImportError(InvalidInput):
    """Some rows of a targets file are wrong; nothing of the file was saved."""

    def __init__(self, problems: list[tuple[int, PemdeskError]]) -> None:
        lines_mn = [f"  {row}-р мөр: {err.mn}" for row, err in problems[:20]]
        lines_en = [f"  row {row}: {err.en}" for row, err in problems[:20]]
        more = len(problems) - 20
        if more > 0:
            lines_mn.append(f"  … бас {more} мөр")
            lines_en.append(f"  … and {more} more rows")
        super().__init__(
            "Зорилтын файлд алдаатай мөр байна; юу ч хадгалагдсангүй:\n" + "\n".join(lines_mn),
            "The targets file has rows with errors; nothing was saved:\n" + "\n".join(lines_en),
        )
        self.problems = problems


def read_rows(path: Path) -> list[dict[str, str]]:
    """Rows of a CSV (UTF-8, comma or semicolon) or XLSX file (first sheet), keyed by field."""
    path = Path(path)
    if not path.is_file():
        raise NotFound(f"Файл олдсонгүй: {path}", f"No such file: {path}")
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        table = _xlsx_table(path)
    else:
        try:
            text = path.read_bytes().decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise InvalidInput(
                "CSV файлыг UTF-8 кодчилолтойгоор хадгална уу.",
                "Save the CSV file as UTF-8.",
                detail=str(exc),
            ) from exc
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t") if text.strip() else "excel"
        table = [
            row for row in csv.reader(io.StringIO(text), dialect) if any(c.strip() for c in row)
        ]
    if not table:
        raise InvalidInput("Файл хоосон байна.", "The file is empty.", detail=str(path))
    header = [_field_of(h) for h in table[0]]
    missing = [f for f in REQUIRED if f not in header]
    if missing:
        raise InvalidInput(
            "Файлын эхний мөрөнд дараах баганууд байх ёстой: " + ", ".join(missing),
            "The first row of the file must name these columns: " + ", ".join(missing),
            detail=f"found: {table[0]}",
        )
    return [
        {h: (row[i] if i < len(row) else "").strip() for i, h in enumerate(header) if h}
        for row in table[1:]
    ]


def _field_of(header: str) -> str:
    key = _key(header)
    for field_name, names in HEADERS.items():
        if key in names:
            return field_name
    return ""


def _xlsx_table(path: Path) -> list[list[str]]:
    try:
        import openpyxl
    except ImportError as exc:  # pragma: no cover - a dependency
        raise InvalidInput(
            "XLSX уншигч суулгаагүй байна.", "The XLSX reader is not installed."
        ) from exc
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise InvalidInput(
            "XLSX файлыг уншиж чадсангүй (гэмтсэн эсвэл өөр төрлийн файл).",
            "The XLSX file cannot be read (damaged or not an XLSX file).",
            detail=f"{path}: {exc}",
        ) from exc
    try:
        sheet = book.worksheets[0]
        out = []
        for values in sheet.iter_rows(values_only=True):
            row = [
                "" if v is None else (f"{v:g}" if isinstance(v, float) else str(v)) for v in values
            ]
            if any(c.strip() for c in row):
                out.append(row)
        return out
    finally:
        book.close()


def parse_rows(rows: Sequence[dict[str, str]]) -> list[RehabTarget]:
    """Targets from rows; every bad row is reported (with its file row number), none saved."""
    from pemdesk.gazetteer import Gazetteer

    gaz = Gazetteer.load()
    out: list[RehabTarget] = []
    problems: list[tuple[int, PemdeskError]] = []
    seen: set[tuple[str, str, str, int, str, str]] = set()
    for n, row in enumerate(rows, start=2):
        try:
            target = _parse_row(row, gaz)
        except PemdeskError as exc:
            problems.append((n, exc))
            continue
        if target_key(target) in seen:
            problems.append(
                (
                    n,
                    InvalidInput(
                        "Энэ зорилт файлд давхардсан байна.",
                        "This target appears twice in the file.",
                    ),
                )
            )
        seen.add(target_key(target))
        out.append(target)
    if problems:
        raise TargetImportError(sorted(problems, key=lambda p: p[0]))
    return out


def _parse_row(row: dict[str, str], gaz: object) -> RehabTarget:
    from pemdesk.gazetteer import Gazetteer

    assert isinstance(gaz, Gazetteer)
    try:
        year = int(float(row.get("year", "")))
    except ValueError:
        raise InvalidInput(
            f"Он буруу: «{row.get('year', '')}»", f"Not a year: “{row.get('year', '')}”"
        ) from None
    if not 1990 <= year <= 2100:
        raise InvalidInput(
            f"Он 1990–2100 хооронд байна: {year}", f"The year must be 1990–2100: {year}"
        )
    stage = STAGE_WORDS.get(_key(row.get("stage", "")))
    if stage is None:
        raise InvalidInput(
            f"Үе шат буруу: «{row.get('stage', '')}» (техникийн, биологийн, хүлээлгэн өгсөн)",
            f"Unknown stage “{row.get('stage', '')}” (technical, biological, handed_over)",
        )
    text = row.get("area_ha", "").replace(" ", "").replace("\u00a0", "").replace(",", ".")
    try:
        area = float(text)
    except ValueError:
        raise InvalidInput(
            f"Талбай (га) буруу: «{row.get('area_ha', '')}»",
            f"Not a number of hectares: “{row.get('area_ha', '')}”",
        ) from None
    if not 0 < area <= MAX_AREA_HA:
        raise InvalidInput(
            f"Талбай 0-ээс их, {MAX_AREA_HA:,.0f} га-аас бага байна: {area}",
            f"Hectares must be above 0 and at most {MAX_AREA_HA:,.0f}: {area}",
        )
    aimag_code = soum_code = None
    if row.get("aimag"):
        aimag_code = _aimag_code(gaz, row["aimag"])
    if row.get("soum"):
        soum = gaz.find_soum(row["soum"], aimag_code)
        soum_code, aimag_code = soum.code, soum.aimag_code
    level_text = _key(row.get("level", ""))
    if level_text:
        level = LEVEL_WORDS.get(level_text)
        if level is None:
            raise InvalidInput(
                f"Түвшин буруу: «{row['level']}» (үндэсний, аймаг, сум)",
                f"Unknown level “{row['level']}” (national, aimag, soum)",
            )
    else:
        level = (
            TargetLevel.SOUM
            if soum_code
            else TargetLevel.AIMAG
            if aimag_code
            else TargetLevel.NATIONAL
        )
    if level == TargetLevel.SOUM and not soum_code:
        raise InvalidInput("Сумын зорилтод сумын нэр хэрэгтэй.", "A soum target needs the soum.")
    if level == TargetLevel.AIMAG and not aimag_code:
        raise InvalidInput(
            "Аймгийн зорилтод аймгийн нэр хэрэгтэй.", "An aimag target needs the aimag."
        )
    if level == TargetLevel.NATIONAL:
        aimag_code = soum_code = None
    elif level == TargetLevel.AIMAG:
        soum_code = None
    basis_text = _key(row.get("basis", ""))
    basis = BASIS_WORDS.get(basis_text, TargetBasis.IN_YEAR) if basis_text else TargetBasis.IN_YEAR
    if basis_text and basis_text not in BASIS_WORDS:
        raise InvalidInput(
            f"Тооцох арга буруу: «{row['basis']}» (in_year, cumulative)",
            f"Unknown basis “{row['basis']}” (in_year, cumulative)",
        )
    return RehabTarget(
        level=level,
        year=year,
        stage=stage,
        area_ha=area,
        aimag_code=aimag_code,
        soum_code=soum_code,
        basis=basis,
        name=row.get("name", ""),
        source=row.get("source", ""),
        notes=row.get("notes", ""),
    )


def _aimag_code(gaz: object, text: str) -> str:
    from pemdesk.gazetteer import Gazetteer

    assert isinstance(gaz, Gazetteer)
    try:
        return gaz.aimag(text.strip()).code
    except NotFound:
        return gaz.find_aimag(text).code


def read_targets(path: Path | str) -> list[RehabTarget]:
    return parse_rows(read_rows(Path(path)))


@cache
def builtin_targets() -> tuple[RehabTarget, ...]:
    """The national targets the program ships (each with its source)."""
    from pemdesk.resources import resource_path

    targets = read_targets(resource_path("rehab", "targets.csv"))
    for t in targets:  # stable ids, so the built-in ones are recognisable everywhere
        t.id = "builtin-" + "-".join(str(k) for k in target_key(t)).replace(" ", "_")
    return tuple(targets)


def in_scope(target: RehabTarget, aimag_code: str | None, soum_code: str | None) -> bool:
    """Does a plot in (aimag, soum) count towards the target?"""
    if target.level == TargetLevel.NATIONAL:
        return True
    if target.level == TargetLevel.AIMAG:
        return aimag_code == target.aimag_code
    return soum_code == target.soum_code


@dataclass(frozen=True)
class TargetProgress:
    target: RehabTarget
    actual_ha: float
    plots: int  # plots that count

    @property
    def share(self) -> float:
        return self.actual_ha / self.target.area_ha if self.target.area_ha else 0.0


def actual_hectares(target: RehabTarget, plots: Iterable[PlotHistory]) -> tuple[float, int]:
    """Hectares (and plots) that count for the target, from the plots' stage histories."""
    total, count = 0.0, 0
    year_end = f"{target.year}-12-31"
    for plot in plots:
        if target.basis == TargetBasis.CUMULATIVE:
            stage = stage_at(plot.changes, year_end)
            ok = stage is not None and STAGE_ORDER[stage] >= STAGE_ORDER[PlotStage(target.stage)]
        else:
            first = reached_on(plot.changes, PlotStage(target.stage))
            ok = first is not None and first[:4] == str(target.year)
        if ok:
            total += plot.area_ha
            count += 1
    return total, count


def progress(
    targets: Iterable[RehabTarget], plots: Sequence[tuple[str, str, PlotHistory]]
) -> list[TargetProgress]:
    """Each target against the plots in its scope; ``plots`` are (aimag, soum, history)."""
    out = []
    for target in targets:
        scoped = [h for aimag, soum, h in plots if in_scope(target, aimag, soum)]
        actual, count = actual_hectares(target, scoped)
        out.append(TargetProgress(target, actual, count))
    return out
