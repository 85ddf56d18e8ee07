"""The command line, run as a user runs it: a real subprocess of ``python -m pemdesk``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pemdesk.cli import main


def run(*args: str, lang: str = "mn") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pemdesk", *args],
        capture_output=True, text=True, env=os.environ | {"PEMDESK_LANG": lang}, timeout=120,
    )


def test_demo_then_sites_list_json_prints_cyrillic_names(tmp_path: Path) -> None:
    data = str(tmp_path / "d")
    loaded = run("--data-dir", data, "demo")
    assert loaded.returncode == 0, loaded.stderr
    assert "Жишээ өгөгдөл ачааллаа" in loaded.stdout
    listed = run("--data-dir", data, "sites", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    sites = json.loads(listed.stdout)
    assert len(sites) >= 8
    names = {s["name_mn"] for s in sites}
    assert "Цагаан овоо зэсийн уурхай" in names
    assert {"Өмнөговь", "Төв"} <= {s["aimag_name_mn"] for s in sites}
    assert "Ханбогд" in {s["soum_name_mn"] for s in sites}


def test_env_var_sets_the_data_dir(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PEMDESK_DATA_DIR", str(tmp_path / "env"))
    assert main(["demo"]) == 0
    assert (tmp_path / "env" / "pemdesk.sqlite").exists()


def test_plots_visits_and_show(demo_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    d = str(demo_dir)
    assert main(["--data-dir", d, "plots", "list", "--json"]) == 0
    plots = json.loads(capsys.readouterr().out)
    assert len(plots) >= 20 and all(p["area_ha"] > 0 for p in plots)
    site_id = plots[0]["site_id"]
    assert main(["--data-dir", d, "visits", "list", "--site", site_id, "--json"]) == 0
    visits = json.loads(capsys.readouterr().out)
    assert visits and all(v["site_id"] == site_id for v in visits)
    assert main(["--data-dir", d, "visits", "show", visits[0]["id"], "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["visit"]["id"] == visits[0]["id"] and shown["observations"] and shown["participants"]
    assert main(["--data-dir", d, "--lang", "en", "visits", "show", visits[0]["id"]]) == 0
    text = capsys.readouterr().out
    assert "Participants" in text and "Observations" in text


def test_visits_filter_by_date(demo_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--data-dir", str(demo_dir), "visits", "list", "--from", "2025-01-01",
                 "--to", "2025-12-31", "--json"]) == 0
    visits = json.loads(capsys.readouterr().out)
    assert visits and {v["started_at"][:4] for v in visits} == {"2025"}


def test_unknown_visit_is_a_clear_error_not_a_traceback(demo_dir: Path) -> None:
    result = run("--data-dir", str(demo_dir), "visits", "show", "nope")
    assert result.returncode == 1
    assert "олдсонгүй" in result.stderr and "Traceback" not in result.stderr
    result = run("--data-dir", str(demo_dir), "plots", "list", "--site", "nope", lang="en")
    assert result.returncode == 1 and "No site with id nope" in result.stderr


def test_db_check_and_backup(demo_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--data-dir", str(demo_dir), "db", "check", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["ok"] is True
    target = tmp_path / "backup.sqlite"
    assert main(["--data-dir", str(demo_dir), "db", "backup", str(target)]) == 0
    assert target.exists()
    import sqlite3

    conn = sqlite3.connect(target)
    assert conn.execute("SELECT count(*) FROM site").fetchone()[0] >= 8
    conn.close()
    assert main(["--data-dir", str(demo_dir), "db", "backup", str(target)]) == 1  # no overwrite


def test_db_check_fails_on_a_broken_foreign_key(demo_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import sqlite3

    conn = sqlite3.connect(demo_dir / "pemdesk.sqlite")
    conn.execute("PRAGMA foreign_keys=OFF")
    conn.execute("UPDATE plot SET site_id='gone' WHERE rowid=1")
    conn.commit()
    conn.close()
    assert main(["--data-dir", str(demo_dir), "db", "check"]) == 1
    assert "foreign key" in capsys.readouterr().out


def test_every_command_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    from pemdesk.cli import build_parser

    parser = build_parser()
    commands = parser._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    for name, sub in commands.items():
        assert sub.format_help(), name
    assert {"demo", "sites", "plots", "visits", "db", "import", "export"} <= set(commands)
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert "pemdesk" in capsys.readouterr().out


def test_readme_lists_every_command() -> None:
    from pemdesk.cli import build_parser

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    commands = build_parser()._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    for name in commands:
        assert f"pemdesk {name}" in readme, f"README does not document `pemdesk {name}`"


def test_every_help_text_is_mongolian_in_mongolian() -> None:
    """Walk every command and subcommand: no English word in a help text of the Mongolian CLI.

    Command names, option names, metavars, file endings, addresses and format names stay as
    they are (they are typed, not read)."""
    import argparse
    import re

    from pemdesk import i18n
    from pemdesk.cli import build_parser

    def walk(parser: argparse.ArgumentParser, path: list[str]):  # type: ignore[no-untyped-def]
        yield path, parser
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    yield from walk(sub, [*path, name])

    formats = {"shapefile"}  # "shapefile-ийн": a format's name, inflected
    english: dict[str, list[str]] = {}
    before = i18n.get_language()
    i18n.set_language("mn")
    try:
        for path, parser in walk(build_parser(), ["pemdesk"]):
            text = re.sub(r"хэрэглээ:.*?(\n\n|$)", "", parser.format_help(), flags=re.S)
            for line in text.splitlines():
                s = line.strip()
                s = re.sub(r"^(-[-\w]+( [A-Z_{}\[\],.\w:-]+)?(, )?)+(\s{2,}|$)", "", s)
                s = re.sub(r"^[a-z][\w-]*(\s{2,}|$)", "", s)  # a command's name
                s = re.sub(r"\{[^}]*\}|\[[^\]]*\]|\S*://\S*|[.-]+[\w.-]+", " ", s)
                words = [w for w in re.findall(r"\b[a-z]{3,}\b", s) if w not in formats]
                if words:
                    english.setdefault(" ".join(path), []).append(line.strip())
    finally:
        i18n.set_language(before)
    assert english == {}
