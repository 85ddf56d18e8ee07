"""How things look on the map, in one place, Qt-free: the screen map and the report's map share it.

Colours are hex strings (``#rrggbb``) so reportlab (``HexColor``) and Qt (``QColor``) both read
them. The four plot stages use the Okabe–Ito palette (vermillion, orange, sky blue, bluish green),
which stays distinguishable for the common forms of colour blindness; stages also differ by
hatching so a grey-scale print still tells them apart.
"""

from __future__ import annotations

from dataclasses import dataclass

from pemdesk.labels import label
from pemdesk.model import PlotStage, SiteKind


@dataclass(frozen=True)
class FillStyle:
    fill: str  # hex colour
    fill_opacity: float  # 0..1
    stroke: str
    stroke_width_mm: float
    hatch: str = "none"  # none | diagonal | cross | horizontal | dots (for grey-scale print)
    dash: tuple[float, ...] = ()  # dash pattern in mm, empty = solid


@dataclass(frozen=True)
class LineStyle:
    stroke: str
    stroke_width_mm: float
    dash: tuple[float, ...] = ()
    halo: str | None = None  # a lighter outline under the line so it reads over imagery


@dataclass(frozen=True)
class PointStyle:
    shape: str  # circle | square | triangle | diamond | star
    size_mm: float
    fill: str
    stroke: str
    stroke_width_mm: float = 0.3
    arrow_length_mm: float = 0.0  # bearing arrow (photo points); 0 = no arrow


@dataclass(frozen=True)
class LabelStyle:
    colour: str
    size_pt: float
    bold: bool = False
    halo: str | None = "#ffffff"
    italic: bool = False
    spacing: float = 0.0  # extra letter spacing in points (region names are spread out)


# Plot stages, in rehabilitation order.
PLOT_STAGE_COLOURS: dict[PlotStage, str] = {
    PlotStage.DISTURBED: "#d55e00",  # vermillion
    PlotStage.TECHNICAL: "#e69f00",  # orange
    PlotStage.BIOLOGICAL: "#009e73",  # bluish green
    PlotStage.HANDED_OVER: "#0072b2",  # blue
}
# Stacked bars of area by stage are built from the finished end, so the handed-over part of a bar
# reads against its target tick (reports and the Rehabilitation tab alike).
STAGES_FINISHED_FIRST: tuple[PlotStage, ...] = tuple(reversed(PLOT_STAGE_COLOURS))
PLOT_STAGE_HATCH: dict[PlotStage, str] = {
    PlotStage.DISTURBED: "cross",
    PlotStage.TECHNICAL: "diagonal",
    PlotStage.BIOLOGICAL: "dots",
    PlotStage.HANDED_OVER: "none",
}


def plot_style(stage: PlotStage | str, selected: bool = False) -> FillStyle:
    stage = PlotStage(stage)
    colour = PLOT_STAGE_COLOURS[stage]
    return FillStyle(
        fill=colour,
        fill_opacity=0.45,
        stroke="#ffff00" if selected else darker(colour),
        stroke_width_mm=0.8 if selected else 0.35,
        hatch=PLOT_STAGE_HATCH[stage],
    )


def plot_stage_legend(lang: str | None = None) -> list[tuple[str, str, PlotStage]]:
    """(label, colour, stage) for each stage in order, labels in the given or current language."""
    return [(label(s, lang), PLOT_STAGE_COLOURS[s], s) for s in PlotStage]


# Sites: the licence boundary as a dashed outline and the site position as a marker.
SITE_BOUNDARY = FillStyle(
    fill="#6a3d9a", fill_opacity=0.06, stroke="#6a3d9a", stroke_width_mm=0.5, dash=(2.0, 1.0)
)
SITE_SHAPES: dict[SiteKind, str] = {
    SiteKind.LICENCE_AREA: "square",
    SiteKind.MINE: "diamond",
    SiteKind.PROCESSING_PLANT: "square",
    SiteKind.RIVER_SECTION: "circle",
    SiteKind.WELL: "circle",
    SiteKind.PASTURE: "triangle",
    SiteKind.OTHER: "circle",
}


def site_style(kind: SiteKind | str = SiteKind.MINE, selected: bool = False) -> PointStyle:
    kind = SiteKind(kind)
    return PointStyle(
        shape=SITE_SHAPES[kind],
        size_mm=4.0 if selected else 3.2,
        fill="#6a3d9a",
        stroke="#ffff00" if selected else "#ffffff",
        stroke_width_mm=0.4,
    )


VISIT_POINT = PointStyle(shape="circle", size_mm=2.2, fill="#cc79a7", stroke="#ffffff")
VISIT_POINT_DRAFT = PointStyle(
    shape="circle", size_mm=2.2, fill="#ffffff", stroke="#cc79a7", stroke_width_mm=0.5
)
PHOTO_POINT = PointStyle(
    shape="circle", size_mm=2.0, fill="#000000", stroke="#ffffff", arrow_length_mm=5.0
)
PHOTO = PointStyle(
    shape="square", size_mm=1.6, fill="#56b4e9", stroke="#000000", arrow_length_mm=3.5
)
OBSERVATION_POINT = PointStyle(shape="triangle", size_mm=2.0, fill="#f0e442", stroke="#000000")
TRACK = LineStyle(stroke="#e6007e", stroke_width_mm=0.5, halo="#ffffff")
MEASURE_LINE = LineStyle(stroke="#000000", stroke_width_mm=0.4, dash=(1.5, 1.0), halo="#ffffff")

COUNTRY_BOUNDARY = LineStyle(stroke="#3c3c3c", stroke_width_mm=0.6)
AIMAG_BOUNDARY = LineStyle(stroke="#5a5a5a", stroke_width_mm=0.4)
SOUM_BOUNDARY = LineStyle(stroke="#9a9a9a", stroke_width_mm=0.2, dash=(1.0, 0.8))
LAND_FILL = "#f4f1e8"  # Mongolia
BACKGROUND = "#e4e2da"  # outside the country: land too, a shade greyer (neighbours)

# The shipped basemap (Natural Earth), in the usual topographic colours.
WATER_FILL = "#aad3f0"
WATER_STROKE = "#5b9bd5"
RIVER = LineStyle(stroke="#4f94cd", stroke_width_mm=0.25)
PLACE = PointStyle(shape="circle", size_mm=1.4, fill="#404040", stroke="#ffffff")
CAPITAL = PointStyle(shape="square", size_mm=2.2, fill="#000000", stroke="#ffffff")
TOWN = PointStyle(shape="circle", size_mm=1.1, fill="#7a7a7a", stroke="#ffffff")
CENTRE = PointStyle(shape="circle", size_mm=1.4, fill="#404040", stroke="#ffffff")
PEAK = PointStyle(shape="triangle", size_mm=2.0, fill="#7b4a2a", stroke="#ffffff")
WAYPOINT = PointStyle(shape="diamond", size_mm=2.2, fill="#ff7f00", stroke="#000000")
GPS_POSITION = PointStyle(shape="circle", size_mm=3.2, fill="#1a73e8", stroke="#ffffff", stroke_width_mm=0.6)
# coordinator-added layers take these in turn
USER_LAYER_COLOURS = ("#b2182b", "#2166ac", "#1b7837", "#762a83", "#8c510a", "#01665e")

AIMAG_LABEL = LabelStyle(colour="#3c3c3c", size_pt=9, bold=True)
SOUM_LABEL = LabelStyle(colour="#6e6e6e", size_pt=7)
SITE_LABEL = LabelStyle(colour="#3b1f5c", size_pt=8, bold=True)
PLOT_LABEL = LabelStyle(colour="#202020", size_pt=7)
CAPITAL_LABEL = LabelStyle(colour="#000000", size_pt=10, bold=True)
PLACE_LABEL = LabelStyle(colour="#202020", size_pt=8.5, bold=True)
TOWN_LABEL = LabelStyle(colour="#505050", size_pt=7.5)
WATER_LABEL = LabelStyle(colour="#1f5f99", size_pt=7.5, italic=True)
REGION_LABEL = LabelStyle(colour="#8a6a4a", size_pt=8, italic=True, spacing=2.0)
PEAK_LABEL = LabelStyle(colour="#6b3d1f", size_pt=7)
WAYPOINT_LABEL = LabelStyle(colour="#803f00", size_pt=7)


def darker(colour: str, factor: float = 0.7) -> str:
    """The same hue, darker (outlines of fills)."""
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return "#{:02x}{:02x}{:02x}".format(*(max(0, min(255, round(c * factor))) for c in (r, g, b)))


def hex_to_rgb(colour: str) -> tuple[float, float, float]:
    """0..1 floats, for reportlab's Color and for blending."""
    return tuple(int(colour[i : i + 2], 16) / 255.0 for i in (1, 3, 5))  # type: ignore[return-value]


def mm_to_px(mm: float, dpi: float) -> float:
    return mm * dpi / 25.4
