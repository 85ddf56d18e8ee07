"""Write THIRD_PARTY_LICENSES.md: every third-party part the desktop bundle ships, with its licence.

    .venv/bin/python installer/collect_licenses.py [--output installer/THIRD_PARTY_LICENSES.md]
        [--bundle dist/pemdesk-<version>-linux-x86_64]

Sources: the metadata and licence files of the installed distributions that ``pemdesk`` needs at
run time (its requirements, followed recursively, server/test extras left out), Python's own
licence, the Qt for Python (LGPL-3.0) notice with the LGPL/GPL texts kept in
``installer/licenses/``, and the licence files of what ``resources/`` ships (fonts, boundary
data, indicator catalogue, icons). With ``--bundle`` it also lists the native libraries the build
copied from the build machine (on Debian, with the package each came from).

The output is deterministic for a given environment (no dates), so it can be committed and diffed.
The build scripts run this before PyInstaller, and the spec bundles the result; the About dialog
shows it.
"""

from __future__ import annotations

import argparse
import importlib.metadata as md
import re
import sys
import sysconfig
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LICENSE_FILE = re.compile(r"(LICEN[CS]E|COPYING|NOTICE|AUTHORS|COPYRIGHT)", re.IGNORECASE)
# Requirements that the spec leaves out of the bundle (sqlite-utils names pip for its own
# "install" command, which the program never runs).
NOT_BUNDLED = {"pip", "setuptools"}
# Files in a distribution's licence folder that only apply to other platforms' builds.
FOREIGN_BUILD = re.compile(r"/(android|cibw_musl|musl|mac|macos|ios|windows?)/", re.IGNORECASE)

QT_NOTICE = """\
pemdesk uses **Qt for Python (PySide6 {version}, with shiboken6)** and the **Qt {version}**
libraries under the **GNU Lesser General Public License version 3 (LGPL-3.0)**; the full LGPL-3.0
text and the GPL-3.0 text it refers to are at the end of this file.

- Qt and PySide6 are © The Qt Company Ltd and other contributors. Source code:
  <https://download.qt.io/official_releases/QtForPython/> (PySide6/shiboken6) and
  <https://download.qt.io/official_releases/qt/> (Qt), or <https://code.qt.io/>.
- The libraries are shipped unmodified, as separate shared libraries (`PySide6/` and
  `PySide6/Qt/lib/` in the program folder; `.dll` files next to them on Windows). You may replace
  them with your own modified versions of the same Qt/PySide6 release: the program loads them
  from that folder at start-up.
- On request we provide, for at least three years, a copy of the corresponding source code of
  the Qt and PySide6 versions used, on a medium customarily used for software interchange, at no
  more than the cost of distribution.
"""

PILLOW_HEIF_NOTICE = """\
**pillow-heif** (HEIC photos from phones) ships libheif and libde265 (LGPL-3.0) and **x265
(GPL-2.0)**; its binary wheels state: "License for pillow-heif binary wheels: GPLv2, due to base
library licenses". The full GPL-2.0 text is at the end of this file; sources are linked in the
pillow-heif section below. pemdesk only reads HEIC: the Linux bundle ships a decoder-only
stand-in (`installer/linux/x265_stub.c`, our own) instead of the x265 encoder library.
"""

LINUX_BUNDLE_NOTICE = """\
**Linux bundle, changed parts** (see `installer/pemdesk.spec`): pyproj's libcurl (network grids,
never used offline) is replaced by a stand-in (`installer/linux/curl_stub.c`, our own); Qt's ICU
data library (`libicudata`, Unicode-3.0 licence) is rebuilt with the data of Mongolian, Russian
and English only; libraries other than Qt's and PySide6's are stripped of debugging symbols.
"""


def requirement_closure() -> list[md.Distribution]:
    """The installed distributions pemdesk needs at run time (from pyproject.toml), by name."""
    import tomllib

    from packaging.requirements import Requirement

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    seen: dict[str, md.Distribution] = {}
    todo: list[str] = []
    for text in project["dependencies"]:
        req = Requirement(text)
        if req.marker is None or req.marker.evaluate():
            todo.append(req.name)
    while todo:
        name = todo.pop()
        if canonical(name) in NOT_BUNDLED:
            continue
        try:
            dist = md.distribution(name)
        except md.PackageNotFoundError:
            continue
        key = canonical(dist.metadata["Name"])
        if key in seen:
            continue
        seen[key] = dist
        for text in dist.requires or []:
            req = Requirement(text)
            # Extras of a requirement are not installed for the bundle; markers decide the rest.
            if req.marker is not None and not req.marker.evaluate({"extra": ""}):
                continue
            todo.append(req.name)
    return sorted(seen.values(), key=lambda d: canonical(d.metadata["Name"]))


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def licence_of(dist: md.Distribution) -> str:
    meta = dist.metadata
    expression = meta.get("License-Expression")
    if expression:
        return str(expression)
    text = (meta.get("License") or "").strip()
    if text and "\n" not in text and len(text) < 120:
        return text
    classifiers = [
        c.split("::")[-1].strip()
        for c in meta.get_all("Classifier") or []
        if c.startswith("License ::")
    ]
    if classifiers:
        return "; ".join(classifiers)
    return "see the licence text below" if text else "not stated in the metadata"


def homepage(dist: md.Distribution) -> str:
    meta = dist.metadata
    if meta.get("Home-page"):
        return str(meta["Home-page"])
    for entry in meta.get_all("Project-URL") or []:
        label, _sep, url = entry.partition(",")
        if label.strip().lower() in ("homepage", "home", "source", "repository", "source code"):
            return url.strip()
    return ""


def licence_files(dist: md.Distribution) -> list[tuple[str, str]]:
    out = []
    for f in dist.files or []:
        path = str(f)
        if not LICENSE_FILE.search(Path(path).name) and "/licenses/" not in path:
            continue
        if FOREIGN_BUILD.search(path) or path.endswith((".py", ".pyc", ".so", ".pyd")):
            continue
        try:
            text = Path(str(dist.locate_file(f))).read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        out.append((path, text.strip()))
    return sorted(out)


def python_licence() -> str:
    # Linux: <prefix>/lib/python3.X/LICENSE.txt; Windows: <prefix>\LICENSE.txt.
    for base in (
        sysconfig.get_paths()["stdlib"],
        str(Path(sys.base_prefix) / "lib"),
        sys.base_prefix,
    ):
        candidate = Path(base) / "LICENSE.txt"
        if candidate.is_file():
            return candidate.read_text(encoding="utf-8", errors="replace").strip()
    return "Python Software Foundation License Version 2: https://docs.python.org/3/license.html"


def fence(text: str) -> str:
    return "````text\n" + text.replace("````", "'```") + "\n````"


def native_libraries(bundle: Path) -> list[tuple[str, str]]:
    """Shared libraries at the top of a Linux bundle (copied from the build machine), with the
    Debian package each came from where ``dpkg`` can tell."""
    internal = bundle / "_internal" if (bundle / "_internal").is_dir() else bundle
    names = sorted(
        p.name
        for p in internal.iterdir()
        if ".so" in p.name
        and not p.is_symlink()
        and ".cpython-" not in p.name  # Python extension modules: their package's section
        and not p.name.startswith("libpython")  # CPython: the Python section
    )
    packages: dict[str, str] = {}
    # dpkg's file lists, read once (``dpkg -S`` with 50 patterns takes ~10 s).
    wanted = set(names)
    for listing in sorted(Path("/var/lib/dpkg/info").glob("*.list")):
        try:
            lines = listing.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            continue
        for line in lines:
            name = line.rsplit("/", 1)[-1]
            if name in wanted and name not in packages:
                packages[name] = listing.stem.split(":", 1)[0]
    return [(name, packages.get(name, "")) for name in names]


def resource_sections() -> list[str]:
    res = ROOT / "resources"
    parts = []
    for title, path in (
        ("Fonts: DejaVu Sans (Bitstream Vera licence)", res / "fonts" / "LICENSE.md"),
        ("Boundary data: © OpenStreetMap contributors, via geoBoundaries (ODbL 1.0)",
         res / "boundaries" / "ATTRIBUTION.md"),
        ("Indicator catalogue: pemdesk's own work; limit values from the cited standards",
         res / "catalogue" / "SOURCES.md"),
        ("Icons: pemdesk's own work", res / "icons" / "LICENSE.md"),
    ):  # fmt: skip
        if path.is_file():
            parts.append(
                f"### {title}\n\n(`resources/{path.relative_to(res).as_posix()}`)\n\n"
                + fence(path.read_text(encoding="utf-8").strip())
            )
    return parts


def build(bundle: Path | None = None) -> str:
    sys.path.insert(0, str(ROOT / "src"))
    from pemdesk import __version__

    dists = requirement_closure()
    by_name = {canonical(d.metadata["Name"]): d for d in dists}
    qt_version = by_name.get("pyside6-essentials") or by_name.get("pyside6")
    lines = [
        f"# Third-party licences — pemdesk {__version__}",
        "",
        "pemdesk includes the following parts made by others. This file is generated by "
        "`installer/collect_licenses.py` from the installed packages' own metadata and licence "
        "files, and from the licence files shipped in `resources/`. It is bundled with the "
        "program and shown in Help > About.",
        "",
        "## Notices",
        "",
        QT_NOTICE.format(version=qt_version.version if qt_version else "6"),
    ]
    if "pillow-heif" in by_name:
        lines += [PILLOW_HEIF_NOTICE]
    if sys.platform.startswith("linux"):
        lines += [LINUX_BUNDLE_NOTICE]
    lines += [
        "## Summary",
        "",
        "| component | version | licence |",
        "| --- | --- | --- |",
        f"| Python (CPython runtime) | {sys.version.split()[0]} | PSF-2.0 |",
    ]
    for d in dists:
        lines.append(f"| {d.metadata['Name']} | {d.version} | {licence_of(d)} |")
    lines += [
        "| DejaVu fonts | 2.37 | Bitstream Vera licence (DejaVu changes public domain) |",
        "| Mongolia boundaries (geoBoundaries, from OpenStreetMap) | — | ODbL 1.0 |",
        "",
        "## Data, fonts and artwork in `resources/`",
        "",
        *resource_sections(),
        "",
        "## Python",
        "",
        fence(python_licence()),
        "",
        "## Python packages",
        "",
    ]
    for d in dists:
        lines += [
            f"### {d.metadata['Name']} {d.version}",
            "",
            f"Licence: {licence_of(d)}" + (f" — {homepage(d)}" if homepage(d) else ""),
            "",
        ]
        files = licence_files(d)
        if not files:
            text = (d.metadata.get("License") or "").strip()
            lines += [fence(text) if len(text) > 120 else "(no licence file in the package)", ""]
        for path, text in files:
            lines += [f"`{path}`", "", fence(text), ""]
    if bundle is not None:
        libs = native_libraries(bundle)
        lines += [
            "## Native libraries from the build system",
            "",
            "Copied into the bundle from the Linux build machine (Debian), each under its own "
            "licence as given in `/usr/share/doc/<package>/copyright` of that package.",
            "",
            "| library | Debian package |",
            "| --- | --- |",
            *(f"| {name} | {package or '?'} |" for name, package in libs),
            "",
        ]
    lic = ROOT / "installer" / "licenses"
    for name, title in (
        ("LGPL-3.0.txt", "GNU Lesser General Public License v3.0 (Qt, PySide6, libheif)"),
        ("GPL-3.0.txt", "GNU General Public License v3.0 (referred to by the LGPL-3.0)"),
        ("GPL-2.0.txt", "GNU General Public License v2.0 (x265 in pillow-heif)"),
    ):
        if (lic / name).is_file():
            lines += [
                f"## {title}",
                "",
                fence((lic / name).read_text(encoding="utf-8").strip()),
                "",
            ]
    return "\n".join(lines).rstrip() + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--output", type=Path, default=ROOT / "installer" / "THIRD_PARTY_LICENSES.md"
    )
    parser.add_argument(
        "--bundle", type=Path, help="a built bundle folder: list its native libraries"
    )
    args = parser.parse_args(argv)
    text = build(args.bundle)
    args.output.write_text(text, encoding="utf-8")
    print(f"wrote {args.output} ({len(text) // 1024} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
