"""Command-line faults seen in the field (issue 16, items 3, 8 and 11), each caught here."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pemdesk import model, visits
from pemdesk.cli import main
from pemdesk.storage import Store, VisitFilter


def test_visits_list_names_the_site_and_json_carries_plot_ids(demo_dir: Path, capsys) -> None:
    with Store.open(demo_dir) as s:
        with_plots = next(v for v in s.list_visits() if s.get(model.Visit, v.id).plot_ids)
        site = s.get(model.Site, with_plots.site_id)
        plot_ids = s.get(model.Visit, with_plots.id).plot_ids
    assert main(["--data-dir", str(demo_dir), "visits", "list", "--site", site.id]) == 0
    out = capsys.readouterr().out
    assert site.name_mn in out  # the site's name under "Site", not its id
    assert main(["--data-dir", str(demo_dir), "visits", "list", "--site", site.id, "--json"]) == 0
    listed = {v["id"]: v for v in json.loads(capsys.readouterr().out)}
    assert listed[with_plots.id]["plot_ids"] == plot_ids != []


def test_visits_show_names_categories_in_the_language(demo_dir: Path, capsys) -> None:
    with Store.open(demo_dir) as s:
        draft = s.list_visits(VisitFilter(status=model.VisitStatus.DRAFT))[0]
        s.save(model.Observation(visit_id=draft.id, indicator="soil.erosion_class", value_text="slight"))
        s.save(model.Observation(visit_id=draft.id, indicator="water.ph", value_num=9.6))
    assert main(["--data-dir", str(demo_dir), "visits", "show", draft.id]) == 0
    out = capsys.readouterr().out
    assert "slight" not in out and "Сул" in out
    assert "9.6 " in out and "9.60" not in out  # item 8: typed 9,6 is not printed 9.60


def test_verify_refuses_a_draft_instead_of_calling_it_ok(demo_dir: Path, capsys) -> None:
    with Store.open(demo_dir) as s:
        draft = s.list_visits(VisitFilter(status=model.VisitStatus.DRAFT))[0]
    code = main(["--data-dir", str(demo_dir), "--lang", "en", "verify", draft.id])
    captured = capsys.readouterr()
    assert code != 0
    assert "still a draft" in captured.err + captured.out
    assert "never sealed" not in captured.err + captured.out


def test_piping_into_head_prints_no_traceback(demo_dir: Path) -> None:
    env = dict(os.environ, PYTHONIOENCODING="utf-8")
    pipe = subprocess.run(
        f"{sys.executable} -m pemdesk --data-dir {demo_dir} visits list | head -n 1",
        shell=True, capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    assert pipe.stdout.strip()
    assert "Traceback" not in pipe.stderr and "BrokenPipeError" not in pipe.stderr


@pytest.mark.parametrize("command", [["import", "photos", "--help"], ["export", "--help"]])
def test_help_is_in_mongolian(command: list[str], capsys) -> None:
    with pytest.raises(SystemExit):
        main(command)
    out = capsys.readouterr().out
    assert "usage" not in out and "options" not in out and "show this help" not in out
    assert "хэрэглээ" in out.lower() or "тусламж" in out.lower()


def test_finishing_without_a_seal_module_is_impossible(demo_dir: Path) -> None:
    assert visits._finish_hooks()[-1].__module__ == "pemdesk.seal"
