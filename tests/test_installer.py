"""Cheap checks of the installer machinery (no build here: installer/ci_bundle_check.sh does that)."""

from __future__ import annotations

import ast
import configparser
import re
import subprocess
import sys
from pathlib import Path

import pytest

from pemdesk import __version__

REPO = Path(__file__).resolve().parents[1]
INSTALLER = REPO / "installer"
SPEC = INSTALLER / "pemdesk.spec"
ISS = INSTALLER / "pemdesk.iss"


def spec_source() -> str:
    return SPEC.read_text(encoding="utf-8")


def test_spec_parses_and_bundles_resources_where_resource_path_looks() -> None:
    tree = ast.parse(spec_source(), filename=str(SPEC))
    calls = {
        node.func.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    }
    assert {"Analysis", "PYZ", "EXE", "COLLECT"} <= calls
    src = spec_source()
    # resources.resources_root() looks in <_MEIPASS>/pemdesk/resources when frozen.
    assert '(str(ROOT / "resources"), "pemdesk/resources")' in src
    resources_py = (REPO / "src" / "pemdesk" / "resources.py").read_text(encoding="utf-8")
    assert '"pemdesk" / "resources"' in resources_py
    assert "THIRD_PARTY_LICENSES.md" in src
    assert "console=False" in src  # windowed
    assert "exclude_binaries=True" in src  # one-folder (COLLECT), not one-file
    assert 'collect_submodules("pemdesk"' in src
    assert '"pemdesk.sync.server"' in src  # the server stays out of the desktop bundle
    assert 'name="pemdesk-cli"' in src and "console=True" in src  # Windows console twin


def test_every_resource_folder_the_program_reads_is_there() -> None:
    """The spec takes all of resources/; the program's folders must exist in it."""
    res = REPO / "resources"
    for parts in (
        ("fonts", "DejaVuSans.ttf"),
        ("fonts", "DejaVuSans-Bold.ttf"),
        ("fonts", "LICENSE.md"),
        ("boundaries", "soums.geojson"),
        ("boundaries", "ATTRIBUTION.md"),
        ("catalogue", "indicators.json"),
        ("catalogue", "SOURCES.md"),
        ("icons", "pemdesk.ico"),
        ("icons", "pemdesk.svg"),
        ("icons", "pemdesk-256.png"),
        ("icons", "LICENSE.md"),
        ("selftest", "sample.heic"),
    ):
        assert res.joinpath(*parts).is_file(), parts
    assert list((res / "locale" / "mn" / "LC_MESSAGES").glob("*.po"))
    assert (res / "locale" / "mn" / "LC_MESSAGES" / "installer.po").is_file()


def test_icon_has_the_windows_sizes() -> None:
    from PIL import Image

    with Image.open(REPO / "resources" / "icons" / "pemdesk.ico") as ico:
        sizes = set(ico.info["sizes"])
    assert {(16, 16), (32, 32), (48, 48), (256, 256)} <= sizes
    with Image.open(REPO / "resources" / "icons" / "pemdesk-256.png") as png:
        assert png.size == (256, 256) and png.mode == "RGBA"
    svg = (REPO / "resources" / "icons" / "pemdesk.svg").read_text(encoding="utf-8")
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg and "own work" in svg


def test_iss_references_existing_files_and_keeps_data() -> None:
    text = ISS.read_text(encoding="utf-8")
    # Sources and files named relative to installer/ exist (the dist folder is built later).
    for rel in re.findall(r"(?:SetupIconFile|InfoAfterFile)=(.+)", text):
        assert (INSTALLER / rel.strip().replace("\\", "/")).is_file(), rel
    for rel in re.findall(r'Source: "([^"{]+)"', text):
        assert (INSTALLER / rel.replace("\\", "/")).is_file() or rel.endswith(
            "THIRD_PARTY_LICENSES.md"
        ), rel
    assert '#define DistDir "..\\dist\\pemdesk"' in text  # where PyInstaller puts the build
    default = re.search(r'#define AppVersion "([^"]+)"', text)
    assert default and default.group(1) == __version__, "bump the .iss default with the version"
    assert "PrivilegesRequired=lowest" in text  # per user
    assert "{autopf}\\pemdesk" in text
    assert re.search(r"AppId=\{\{[0-9A-F-]{36}\}", text)
    assert 'Subkey: "Software\\Classes\\.pemsync"' in text
    assert '--open ""%1""' in text
    assert "{group}\\pemdesk" in text and "{uninstallexe}" in text
    assert "VersionInfoVersion=" in text and "UninstallDisplayIcon=" in text
    # Nothing in [UninstallDelete]/[InstallDelete] may point at the user's data folder.
    deletes = re.findall(r"^Type: filesandordirs; Name: \"([^\"]+)\"", text, flags=re.M)
    assert deletes and all(d.startswith("{app}") for d in deletes)
    assert "{localappdata}\\pemdesk" not in text and "{userappdata}" not in text


def test_data_folder_is_outside_the_windows_program_folder(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The installer puts the program in %LOCALAPPDATA%\\Programs\\pemdesk; data must differ."""
    from pemdesk import paths

    data = paths.default_data_dir()
    assert data.name == "pemdesk" and data.parent.name != "Programs"


def test_frozen_entry_point_and_version_resource() -> None:
    launcher = (INSTALLER / "pemdesk_launcher.py").read_text(encoding="utf-8")
    assert "from pemdesk.cli import main" in launcher
    template = (INSTALLER / "version_info.txt.in").read_text(encoding="utf-8")
    filled = template.replace("@VERSION@", __version__).replace("@VERSION_TUPLE@", "0, 1, 0, 0")
    ast.parse(filled)
    assert "pemdesk.exe" in filled


def test_shell_scripts_parse() -> None:
    for script in ("build_linux.sh", "ci_bundle_check.sh", "linux/install-desktop-entry.sh"):
        subprocess.run(["bash", "-n", str(INSTALLER / script)], check=True)
    build = (INSTALLER / "build_linux.sh").read_text(encoding="utf-8")
    assert "pemdesk-$VERSION-linux-$ARCH" in build and "collect_licenses.py" in build
    check = (INSTALLER / "ci_bundle_check.sh").read_text(encoding="utf-8")
    assert "--self-test" in check and "xvfb-run" in check and "QT_QPA_PLATFORM=xcb" in check


def test_desktop_entry_and_mime_type() -> None:
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str  # type: ignore[assignment,method-assign]
    entry.read(INSTALLER / "linux" / "pemdesk.desktop", encoding="utf-8")
    section = entry["Desktop Entry"]
    assert section["Type"] == "Application" and section["Icon"] == "pemdesk"
    assert section["Exec"].endswith("--open %f")
    assert "application/x-pemdesk-sync" in section["MimeType"]
    mime = (INSTALLER / "linux" / "pemdesk-mime.xml").read_text(encoding="utf-8")
    assert 'glob pattern="*.pemsync"' in mime


def test_workflow_builds_with_the_same_files() -> None:
    workflow = (REPO / ".github" / "workflows" / "windows-installer.yml").read_text("utf-8")
    assert "windows-latest" in workflow and "installer\\build_windows.ps1" in workflow
    ps1 = (INSTALLER / "build_windows.ps1").read_text(encoding="utf-8")
    assert "installer\\pemdesk.spec" in ps1 and "installer\\pemdesk.iss" in ps1
    assert "--self-test" in ps1


def test_licence_collection(tmp_path: Path) -> None:
    out = tmp_path / "licences.md"
    subprocess.run(
        [sys.executable, str(INSTALLER / "collect_licenses.py"), "--output", str(out)],
        check=True,
        capture_output=True,
    )
    text = out.read_text(encoding="utf-8")
    assert text.startswith(f"# Third-party licences — pemdesk {__version__}")
    for needle in (
        "LGPL-3.0",  # Qt / PySide6 notice
        "GNU LESSER GENERAL PUBLIC LICENSE",  # its full text
        "PySide6",
        "shiboken6",
        "reportlab",
        "shapely",
        "pyproj",
        "Bitstream Vera",  # DejaVu fonts
        "ODbL",  # boundaries
        "PSF",  # Python itself
    ):
        assert needle in text, needle
    assert "fastapi" not in text.lower()  # server-only: not in the desktop bundle
    committed = (INSTALLER / "THIRD_PARTY_LICENSES.md").read_text(encoding="utf-8")
    assert committed.startswith("# Third-party licences — pemdesk")


def test_readme_has_install_section_for_non_python_users() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Install (no Python needed)", 1)[1].split("\n## ", 1)[0]
    assert "setup.exe" in section and ".tar.gz" in section
    assert "--self-test" in section and "%LOCALAPPDATA%" in section


def test_open_option_as_the_file_associations_call_it() -> None:
    from pemdesk.cli import build_parser

    parser = build_parser()
    args = parser.parse_args(["--open", "C:\\Users\\Бат\\trip.pemsync"])
    assert args.open.endswith("trip.pemsync") and args.command is None
    # A desktop entry's "--open %f" started from the menu passes no file.
    args = parser.parse_args(["--open"])
    assert args.open is None and args.command is None
    args = parser.parse_args(["--self-test"])
    assert args.self_test == "all"
    assert parser.parse_args(["--self-test=startup"]).self_test == "startup"


def _spec_functions(start: str, end: str) -> dict:
    """Part of the spec run on its own (the spec itself only runs inside PyInstaller)."""
    src = spec_source()
    namespace: dict = {"WINDOWS": False, "ROOT": REPO, "Path": Path, "sys": sys}
    exec(src[src.index(start) : src.index(end)], namespace)  # noqa: S102 - our own file
    return namespace


def _icu_items(package: bytes) -> dict[str, bytes]:
    import struct

    header = struct.unpack_from("<H", package, 0)[0]
    count = struct.unpack_from("<I", package, header)[0]
    entries = [struct.unpack_from("<II", package, header + 4 + 8 * i) for i in range(count)]
    items = {}
    for i, (name_off, data_off) in enumerate(entries):
        end = entries[i + 1][1] if i + 1 < count else len(package) - header
        name = package[header + name_off : package.index(b"\0", header + name_off)].decode()
        items[name] = package[header + data_off : header + end]
    return items


def test_icu_data_trimmed_to_mongolian_russian_english() -> None:
    """The bundle's ICU data keeps what Qt needs (collation of mn/ru/en and root, every non-locale
    item) and drops other locales, dictionaries and transliteration; items are copied unchanged."""
    import struct

    ns = _spec_functions("# --- ICU data", "def _trim_icu(binaries):")
    kept = ns["_icu_item_kept"]
    for name in ("coll/mn.res", "coll/root.res", "coll/ucadata.icu", "coll/ru.res", "en_GB.res",
                 "res_index.res", "coll/res_index.res", "supplementalData.res", "uprops.icu",
                 "nfc.nrm", "brkitr/line.brk", "ibm-5347_P100-1998.cnv", "zone/tzdbNames.res",
                 "pool.res", "zoneinfo64.res"):  # fmt: skip
        assert kept(name), name
    for name in ("coll/zh.res", "de.res", "brkitr/cjdict.dict", "translit/root.res",
                 "ibm-943_P15A-2003.cnv", "lang/fr.res", "es_419.res"):  # fmt: skip
        assert not kept(name), name
    # a small package in ICU's layout: header, table of contents, names, 16-byte aligned items
    names = [b"icudt73l/coll/mn.res", b"icudt73l/coll/zh.res", b"icudt73l/root.res"]
    blobs = [b"M" * 20, b"Z" * 40, b"R" * 16]
    header = struct.pack("<HBB", 32, 0xDA, 0x27) + struct.pack("<HHBBBB", 20, 0, 0, 0, 2, 0)
    header += b"CmnD" + bytes(4) + bytes(4)
    header += bytes(32 - len(header))
    toc_names = b"".join(n + b"\0" for n in names)
    start = 4 + 8 * len(names)
    body_at = start + len(toc_names) + (-(start + len(toc_names)) % 16)
    toc, offset, name_at, body = struct.pack("<I", len(names)), body_at, start, b""
    for n, blob in zip(names, blobs, strict=True):
        toc += struct.pack("<II", name_at, offset + len(body))
        name_at += len(n) + 1
        body += blob + bytes(-len(blob) % 16)
    table = toc + toc_names
    package = header + table + bytes(body_at - len(table)) + body
    assert _icu_items(package)["icudt73l/coll/zh.res"].rstrip(b"\0") == b"Z" * 40
    trimmed, n_kept, total = ns["_icu_package"](package, kept)
    assert (n_kept, total) == (2, 3)
    items = _icu_items(trimmed)
    assert sorted(items) == ["icudt73l/coll/mn.res", "icudt73l/root.res"]
    assert items["icudt73l/coll/mn.res"].rstrip(b"\0") == b"M" * 20
    assert items["icudt73l/root.res"] == b"R" * 16
    assert trimmed[:32] == header
    with pytest.raises(ValueError):
        ns["_icu_package"](b"\0" * 64, kept)


def test_alignment_check_of_stripped_libraries() -> None:
    """The strip step keeps a stripped copy only while glibc could still map it."""
    ns = _spec_functions("def _aligned(path):", "def _strip_copies(binaries):")
    import shutil

    if shutil.which("readelf") is None:
        pytest.skip("readelf (binutils) is not installed")
    import _ctypes

    assert ns["_aligned"](_ctypes.__file__)
    assert not ns["_aligned"](__file__)  # not an ELF file at all
