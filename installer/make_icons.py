"""Draw the pemdesk icon (our own work): SVG by hand, PNGs and the Windows ICO with Pillow.

    .venv/bin/python installer/make_icons.py

A green rounded square, a grey mountain with a terraced (rehabilitated) slope, a river, and a
yellow sun: monitoring of mining land. The PNGs are drawn with the same geometry as the SVG, at
4x and scaled down, so no SVG renderer is needed.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

OUT = Path(__file__).resolve().parents[1] / "resources" / "icons"
SIZE = 256
BACKGROUND = "#2E6B4F"
MOUNTAIN = "#C9CCC4"
TERRACE = "#8DBF6A"
RIVER = "#5DA9E9"
SUN = "#F2C14E"

# Geometry in a 256 x 256 box (shared by the SVG and the bitmaps).
MOUNTAIN_PTS = [(28, 200), (112, 72), (150, 128), (176, 100), (228, 200)]
TERRACES = [  # stepped bands on the right slope: rehabilitated land
    [(150, 128), (176, 100), (190, 121), (160, 121)],
    [(160, 140), (198, 140), (210, 160), (170, 160)],
    [(176, 176), (220, 176), (228, 200), (184, 200)],
]
SUN_BOX = (60, 36, 100, 76)
RIVER_PATH = [(28, 222), (76, 210), (124, 226), (172, 212), (228, 222)]


def svg() -> str:
    def pts(points: list[tuple[int, int]]) -> str:
        return " ".join(f"{x},{y}" for x, y in points)

    cx, cy = (SUN_BOX[0] + SUN_BOX[2]) / 2, (SUN_BOX[1] + SUN_BOX[3]) / 2
    r = (SUN_BOX[2] - SUN_BOX[0]) / 2
    terraces = "\n".join(f'  <polygon points="{pts(t)}" fill="{TERRACE}"/>' for t in TERRACES)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<!-- pemdesk icon: own work of the pemdesk developers (see LICENSE.md in this folder) -->
<svg xmlns="http://www.w3.org/2000/svg" width="{SIZE}" height="{SIZE}" viewBox="0 0 {SIZE} {SIZE}">
  <rect x="8" y="8" width="240" height="240" rx="44" fill="{BACKGROUND}"/>
  <circle cx="{cx:g}" cy="{cy:g}" r="{r:g}" fill="{SUN}"/>
  <polygon points="{pts(MOUNTAIN_PTS)}" fill="{MOUNTAIN}"/>
{terraces}
  <polyline points="{pts(RIVER_PATH)}" fill="none" stroke="{RIVER}" stroke-width="12"
            stroke-linecap="round" stroke-linejoin="round"/>
</svg>
"""


def bitmap(size: int) -> Image.Image:
    scale = 4 * size / SIZE  # draw large, then scale down: smooth edges without an SVG renderer

    def s(points: list[tuple[int, int]]) -> list[tuple[float, float]]:
        return [(x * scale, y * scale) for x, y in points]

    big = Image.new("RGBA", (round(SIZE * scale), round(SIZE * scale)), (0, 0, 0, 0))
    d = ImageDraw.Draw(big)
    d.rounded_rectangle(
        (8 * scale, 8 * scale, 248 * scale, 248 * scale), radius=44 * scale, fill=BACKGROUND
    )
    d.ellipse([v * scale for v in SUN_BOX], fill=SUN)
    d.polygon(s(MOUNTAIN_PTS), fill=MOUNTAIN)
    for t in TERRACES:
        d.polygon(s(t), fill=TERRACE)
    d.line(s(RIVER_PATH), fill=RIVER, width=round(12 * scale), joint="curve")
    for x, y in RIVER_PATH[:: len(RIVER_PATH) - 1]:  # round caps
        rr = 6 * scale
        d.ellipse((x * scale - rr, y * scale - rr, x * scale + rr, y * scale + rr), fill=RIVER)
    return big.resize((size, size), Image.Resampling.LANCZOS)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "pemdesk.svg").write_text(svg(), encoding="utf-8")
    for size in (16, 32, 48, 64, 128, 256):
        bitmap(size).save(OUT / f"pemdesk-{size}.png", optimize=True)
    sizes = [(n, n) for n in (16, 24, 32, 48, 64, 128, 256)]
    bitmap(256).save(OUT / "pemdesk.ico", sizes=sizes)
    print(f"icons written to {OUT}")


if __name__ == "__main__":
    main()
