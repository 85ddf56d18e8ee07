"""``pemdesk --self-test``: prove that an installed program works, without touching user data.

Everything happens in a temporary data folder: the migrations, the demo data, a sealed visit that
is verified (and caught when tampered with), a one-page PDF with Mongolian text in the embedded
DejaVu font (read back), the visit report, and — when Qt can start — a map image and the main
window rendered offscreen (or on the real screen under X). Run on every built bundle.

``pemdesk --self-test=startup`` instead starts the program as a user would, waits until the main
window is interactive (shown, its sites tree filled, the event loop idle), prints the time since
the process started and quits: the start-up figure of the installer's checks.

The core steps import no Qt; the Qt steps live in ``pemdesk.ui.selftest``.
"""

from __future__ import annotations

import io
import os
import shutil
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pemdesk import __version__

# A phrase with every letter Mongolian adds to Russian Cyrillic (Өө Үү) and the tugrik sign.
CYRILLIC_SAMPLE = "Өмнөговь аймаг, Ханбогд сум: Үзлэгийн тайлан — ₮ 1 250,5"


@dataclass
class Step:
    name: str
    ok: bool
    seconds: float
    detail: str = ""
    skipped: bool = False

    def line(self) -> str:
        state = "SKIP" if self.skipped else ("ok  " if self.ok else "FAIL")
        return f"{state} {self.name:<14} {self.seconds:6.2f} s  {self.detail}"


@dataclass
class SelfTestReport:
    steps: list[Step] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(s.ok for s in self.steps)

    def text(self) -> str:
        head = f"pemdesk {__version__} self-test ({sys.platform}, frozen={is_frozen()})"
        tail = "self-test passed" if self.ok else "self-test FAILED"
        return "\n".join([head, *(s.line() for s in self.steps), tail])


class SelfTestFailure(AssertionError):
    """A check inside a step did not hold (the message says which)."""


class Skip(Exception):  # noqa: N818 - a control-flow signal, not an error
    """The step cannot run here (e.g. no Qt platform); it is reported, not failed."""


def is_frozen() -> bool:
    return bool(getattr(sys, "frozen", False))


def check(condition: object, message: str) -> None:
    if not condition:
        raise SelfTestFailure(message)


class Runner:
    """Runs steps in order, timing each; a failing step is recorded and the rest still run."""

    def __init__(self, report: SelfTestReport, echo: Callable[[str], None] | None = None) -> None:
        self.report = report
        self.echo = echo

    def step(self, name: str, fn: Callable[[], str | None]) -> bool:
        start = time.perf_counter()
        try:
            detail = fn() or ""
            step = Step(name, True, time.perf_counter() - start, detail)
        except Skip as exc:
            step = Step(name, True, time.perf_counter() - start, str(exc), skipped=True)
        except Exception as exc:  # a self-test reports every failure instead of stopping
            tb = traceback.format_exc(limit=6).strip().splitlines()
            where = tb[-3].strip() if len(tb) >= 3 else ""
            step = Step(name, False, time.perf_counter() - start, f"{exc!r} [{where}]")
        self.report.steps.append(step)
        if self.echo:
            self.echo(step.line())
        return step.ok and not step.skipped


# --- the core steps --------------------------------------------------------------------------------
class CoreChecks:
    def __init__(self, work: Path) -> None:
        self.work = work
        self.data_dir = work / "data"
        self.store: Any = None
        self.sealed_visit_id: str | None = None

    def resources(self) -> str:
        from pemdesk.catalogue import Catalogue
        from pemdesk.gazetteer import Gazetteer
        from pemdesk.i18n import tr
        from pemdesk.resources import resource_path, resources_root

        for parts in (
            ("fonts", "DejaVuSans.ttf"),
            ("fonts", "DejaVuSans-Bold.ttf"),
            ("boundaries", "soums.geojson"),
            ("catalogue", "indicators.json"),
        ):
            check(resource_path(*parts).is_file(), f"missing resource {'/'.join(parts)}")
        gaz = Gazetteer.load()
        soums = gaz.soums()
        check(len(soums) >= 300, f"only {len(soums)} soums")
        check(len(list(Catalogue.load().all())) > 10, "indicator catalogue nearly empty")
        mn = tr("Cancelled.", "mn")
        check(mn != "Cancelled.", "no Mongolian translation loaded")
        return f"{len(soums)} soums, {resources_root()}"

    def database(self) -> str:
        from pemdesk.storage import Store
        from pemdesk.storage.migrations import SCHEMA_VERSION

        self.store = Store.open(self.data_dir)
        version = self.store.conn.execute("PRAGMA user_version").fetchone()[0]
        check(version == SCHEMA_VERSION, f"schema {version}, expected {SCHEMA_VERSION}")
        problems = self.store.check()
        check(not problems, f"db check: {problems}")
        return f"schema version {version}"

    def demo(self) -> str:
        from pemdesk.demo import load_demo

        check(self.store is not None, "no database")
        load_demo(self.store)
        sites = self.store.list_sites()
        visits = self.store.count_visits()
        check(len(sites) >= 5 and visits >= 10, f"demo data too small: {len(sites)}, {visits}")
        check(not self.store.check(), "db check after demo")
        return f"{len(sites)} sites, {visits} visits"

    def seal(self) -> str:
        from pemdesk import model, verify, visits

        store = self.store
        check(store is not None, "no database")
        site = store.list_sites()[0]
        people = store.list_people()
        check(people, "the demo data has no people")
        visit = visits.start_visit(store, site.id, monitor=people[0])
        visit.purpose = "Өөрөө шалгах үзлэг (self-test)"
        store.save(visit)
        store.save(model.Observation(visit_id=visit.id, indicator="water.ph", value_num=7.4))
        store.save(
            model.Finding(
                visit_id=visit.id,
                category="waste",
                description="Өөрөө шалгах: хог хаягдал үзлэгийн талбайд үлдсэн.",
            )
        )
        finished = visits.finish_visit(store, visit.id)
        check(finished.seal_digest, "the finished visit carries no seal")
        report = verify.verify(store, visit.id)
        check(report.ok, f"fresh seal does not verify: {report.as_json('en')}")
        # The seal must notice a change made behind the program's back.
        with store.atomic():
            store.conn.execute(
                "UPDATE observation SET value_num = 9.9 WHERE visit_id = ?", (visit.id,)
            )
        tampered = verify.verify(store, visit.id)
        check(not tampered.ok, "a changed value was not detected")
        with store.atomic():
            store.conn.execute(
                "UPDATE observation SET value_num = 7.4 WHERE visit_id = ?", (visit.id,)
            )
        check(verify.verify(store, visit.id).ok, "restored value does not verify")
        self.sealed_visit_id = visit.id
        return f"sealed {str(finished.seal_digest)[:16]}…, tampering detected"

    def photos(self) -> str:
        """HEIC (phones) and JPEG decode into a thumbnail, as the photo import does."""
        from PIL import Image

        from pemdesk.photos.files import register_heif, render
        from pemdesk.resources import resource_path

        register_heif()
        sample = resource_path("selftest", "sample.heic")
        with Image.open(sample) as image:
            check(image.size == (96, 64), f"HEIC decoded to {image.size}")
            thumb = render(image, 48, 1)
        with Image.open(io.BytesIO(thumb)) as jpeg:
            jpeg.load()
            check(jpeg.format == "JPEG" and max(jpeg.size) == 48, "thumbnail not a 48 px JPEG")
        return f"HEIC 96x64 -> JPEG thumbnail {len(thumb)} bytes"

    def pdf(self) -> str:
        from reportlab.pdfgen import canvas

        from pemdesk.reports.fonts import FONT, register_fonts

        register_fonts()
        path = self.work / "cyrillic.pdf"
        c = canvas.Canvas(str(path), initialFontName=FONT, initialFontSize=14)
        c.setTitle("pemdesk self-test")
        c.setFont(FONT, 14)
        c.drawString(72, 760, CYRILLIC_SAMPLE)
        c.showPage()
        c.save()
        data = path.read_bytes()
        check(b"/FontFile2" in data, "the font is not embedded")
        check(b"Helvetica" not in data, "an unembedded Helvetica is referenced")
        text = pdf_text(path)
        if text is not None:
            check(CYRILLIC_SAMPLE in " ".join(text.split()), f"text read back: {text!r}")
        return f"{len(data)} bytes, text read back: {'yes' if text is not None else 'no reader'}"

    def report(self) -> str:
        try:
            from pemdesk.reports.visit import write_visit_report
        except ImportError as exc:
            raise Skip("no visit report module") from exc
        check(self.sealed_visit_id, "no sealed visit")
        path = self.work / "visit-report.pdf"
        built = write_visit_report(self.store, str(self.sealed_visit_id), path)
        pages = getattr(built, "pages", None)
        check(path.is_file() and path.stat().st_size > 1000, "no report written")
        return f"{pages} page(s), {path.stat().st_size} bytes"

    def close(self) -> None:
        if self.store is not None:
            self.store.close()
            self.store = None


def pdf_text(path: Path) -> str | None:
    """The text of a PDF's first page (pypdfium2, shipped for the report preview), or None."""
    try:
        import pypdfium2 as pdfium
    except ImportError:
        return None
    doc = pdfium.PdfDocument(str(path))
    try:
        page = doc[0]
        textpage = page.get_textpage()
        text = str(textpage.get_text_range())
        textpage.close()
        page.close()
        return text
    finally:
        doc.close()


# --- running ---------------------------------------------------------------------------------------
def run(
    work: Path,
    *,
    qt: bool = True,
    echo: Callable[[str], None] | None = None,
) -> SelfTestReport:
    """Every step, in ``work`` (an empty folder); the Qt steps when ``qt`` and Qt can start."""
    report = SelfTestReport()
    runner = Runner(report, echo)
    core = CoreChecks(work)
    try:
        runner.step("resources", core.resources)
        if runner.step("database", core.database):
            runner.step("demo data", core.demo)
            runner.step("seal+verify", core.seal)
        runner.step("photos", core.photos)
        runner.step("pdf cyrillic", core.pdf)
        if core.sealed_visit_id:
            runner.step("visit report", core.report)
    finally:
        core.close()
    if qt:
        # The desktop program is a Qt program: Qt failing to load is a failure, not a skip.
        qt_selftest: Any = None

        def load_qt() -> str:
            nonlocal qt_selftest
            from pemdesk.ui import selftest as module

            qt_selftest = module
            return ""

        if runner.step("qt import", load_qt):
            qt_selftest.run_steps(runner, core.data_dir, work)
    return report


def _output() -> Callable[[str], None]:
    """Print, or (a windowed program on Windows has no console) append to a log file."""
    if sys.stdout is not None:

        def echo(line: str) -> None:
            print(line, flush=True)

        return echo
    log = Path(tempfile.gettempdir()) / "pemdesk-selftest.log"
    log.write_text("", encoding="utf-8")  # this run's report only

    def write(line: str) -> None:
        with log.open("a", encoding="utf-8") as f:
            f.write(line + "\n")

    return write


MODES = ("all", "core", "startup")


def main(mode: str = "all", keep: str | None = None, data_dir: str | None = None) -> int:
    """The ``--self-test`` command: 0 when every step passed, 1 otherwise.

    ``all``: every step; ``core``: without Qt; ``startup``: the start-up probe (on ``data_dir``
    if given). ``keep``: a folder to keep the outputs in (PDFs, PNGs) instead of a temporary one.
    """
    echo = _output()
    if mode == "startup":
        from pemdesk.ui.selftest import startup

        return startup(
            echo,
            data_dir=Path(data_dir) if data_dir else None,
            keep=Path(keep) if keep else None,
        )
    with tempfile.TemporaryDirectory(prefix="pemdesk-selftest-") as tmp:
        work = Path(keep) if keep else Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(work / "data", ignore_errors=True)  # a kept folder from an earlier run
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # no window unless asked for one
        echo(f"pemdesk {__version__} self-test in {work}")
        report = run(work, qt=mode != "core", echo=echo)
        echo("self-test passed" if report.ok else "self-test FAILED")
        return 0 if report.ok else 1
