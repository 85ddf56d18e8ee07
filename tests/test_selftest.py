"""``pemdesk --self-test``: the Qt-free steps, the report, and the command (no Qt imported here)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from pemdesk import selftest
from pemdesk.cli import main as cli_main


def test_core_steps_pass_in_an_empty_folder(tmp_path: Path) -> None:
    lines: list[str] = []
    report = selftest.run(tmp_path, qt=False, echo=lines.append)
    assert report.ok, report.text()
    names = [s.name for s in report.steps]
    assert names == [
        "resources",
        "database",
        "demo data",
        "seal+verify",
        "photos",
        "pdf cyrillic",
        "visit report",
    ]
    assert not any(s.skipped for s in report.steps)
    assert len(lines) == len(names) and all(line.startswith("ok") for line in lines)
    assert (tmp_path / "cyrillic.pdf").is_file() and (tmp_path / "visit-report.pdf").is_file()
    assert report.text().endswith("self-test passed")


@pytest.mark.skipif(not shutil.which("pdffonts"), reason="poppler-utils (pdffonts) not installed")
def test_the_pdf_embeds_its_font_and_gives_back_the_cyrillic(tmp_path: Path) -> None:
    selftest.run(tmp_path, qt=False)
    fonts = subprocess.run(
        ["pdffonts", str(tmp_path / "cyrillic.pdf")], capture_output=True, text=True, check=True
    ).stdout.splitlines()[2:]
    assert fonts and all("DejaVuSans" in f and " yes " in f for f in fonts), fonts
    text = subprocess.run(
        ["pdftotext", str(tmp_path / "cyrillic.pdf"), "-"], capture_output=True, text=True
    ).stdout
    assert selftest.CYRILLIC_SAMPLE in " ".join(text.split())


def test_a_failing_step_is_reported_and_the_rest_still_run(tmp_path: Path) -> None:
    report = selftest.SelfTestReport()
    runner = selftest.Runner(report)

    def broken() -> str:
        selftest.check(False, "the thing is missing")
        return ""

    def skipped() -> str:
        raise selftest.Skip("not here")

    assert runner.step("broken", broken) is False
    assert runner.step("skipped", skipped) is False
    assert runner.step("fine", lambda: "all good") is True
    assert not report.ok
    text = report.text()
    assert "FAIL broken" in text and "the thing is missing" in text
    assert "SKIP skipped" in text and "ok   fine" in text
    assert text.endswith("self-test FAILED")


def test_the_seal_step_catches_tampering(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """If verification stopped noticing changes, the self-test must fail."""
    from pemdesk import verify

    checks = selftest.CoreChecks(tmp_path)
    checks.database()
    checks.demo()
    real = verify.verify

    class AlwaysOk:
        ok = True

        def as_json(self, lang: str = "mn") -> dict:
            return {}

    monkeypatch.setattr(verify, "verify", lambda *a, **k: AlwaysOk())
    with pytest.raises(selftest.SelfTestFailure, match="not detected"):
        checks.seal()
    monkeypatch.setattr(verify, "verify", real)
    checks.close()


def test_command_core_mode_and_kept_outputs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert cli_main(["--self-test", "core", "--self-test-out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "self-test passed" in printed and "seal+verify" in printed
    assert (out / "cyrillic.pdf").is_file()
    # A second run in the same folder starts from an empty data folder again.
    assert cli_main(["--self-test", "core", "--self-test-out", str(out)]) == 0
    assert "9 sites, 45 visits" in capsys.readouterr().out


def test_windowed_program_without_console_writes_a_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdout", None)
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    (tmp_path / "pemdesk-selftest.log").write_text("an earlier run\n", encoding="utf-8")
    echo = selftest._output()
    echo("ok   resources")
    assert (tmp_path / "pemdesk-selftest.log").read_text(encoding="utf-8") == "ok   resources\n"
