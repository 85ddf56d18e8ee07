from pemdesk.geo import symbology as s
from pemdesk.model import PlotStage


def test_every_stage_has_a_distinct_colour_and_hatch():
    colours = [s.plot_style(st).fill for st in PlotStage]
    assert len(set(colours)) == len(PlotStage)
    assert len({s.plot_style(st).hatch for st in PlotStage}) == len(PlotStage)
    for c in colours:
        assert len(c) == 7 and c.startswith("#")


def test_legend_in_both_languages():
    mn = s.plot_stage_legend("mn")
    en = s.plot_stage_legend("en")
    assert [x[2] for x in mn] == list(PlotStage)
    assert en[0][0] == "Disturbed"
    assert mn[0][0] == "Эвдэрсэн"


def test_colour_helpers():
    assert s.darker("#ffffff", 0.5) == "#808080"
    assert s.hex_to_rgb("#ff0000") == (1.0, 0.0, 0.0)
    assert abs(s.mm_to_px(25.4, 300) - 300) < 1e-9
    assert (
        s.plot_style("disturbed", selected=True).stroke_width_mm
        > s.plot_style("disturbed").stroke_width_mm
    )
