"""Bad days: a killed process, a full disk, a damaged or read-only store. Nothing saved is lost,
and the user gets one clear sentence."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from factories import make_site, make_visit
from pemdesk import model
from pemdesk.errors import StorageError
from pemdesk.storage import Store

SAVER = textwrap.dedent(
    """
    import sys
    from pemdesk import model
    from pemdesk.storage import Store
    sys.path.insert(0, sys.argv[2])
    from factories import make_site, make_visit

    store = Store.open(sys.argv[1])
    visit = make_visit(store, make_site(store))
    print("ready", flush=True)
    i = 0
    while True:
        obs = store.save(model.Observation(visit.id, "air.pm10", value_num=float(i % 500)))
        print(obs.id, flush=True)  # reported only after save() returned
        i += 1
    """
)


def test_sigkill_during_a_burst_of_saves_loses_nothing_reported(tmp_path: Path) -> None:
    data = tmp_path / "data"
    proc = subprocess.Popen(
        [sys.executable, "-c", SAVER, str(data), str(Path(__file__).parent)],
        stdout=subprocess.PIPE, text=True,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "ready"
    reported: list[str] = []
    deadline = time.monotonic() + 60
    while len(reported) < 300 and time.monotonic() < deadline:
        reported.append(proc.stdout.readline().strip())
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    # Lines already in the pipe were also reported as saved.
    reported += [line.strip() for line in proc.stdout.read().splitlines() if line.strip()]
    assert len(reported) >= 300
    with Store.open(data) as store:
        assert store.check() == []
        saved = {row[0] for row in store.conn.execute("SELECT id FROM observation")}
        missing = [r for r in reported if r not in saved]
        assert missing == []
        # Each saved row has its outbox entry: the two were one transaction.
        captured = {r["entity_id"] for r in store.outbox() if r["entity"] == "observation"}
        assert saved == captured


def test_a_full_disk_gives_a_clear_error_and_keeps_what_was_saved(store: Store) -> None:
    visit = make_visit(store, make_site(store))
    first = store.save(model.Observation(visit.id, "air.pm10", value_num=12.0))
    pages = store.conn.execute("PRAGMA page_count").fetchone()[0]
    store.conn.execute(f"PRAGMA max_page_count={pages + 2}")
    with pytest.raises(StorageError) as info:
        for i in range(5000):
            store.save(model.Finding(visit.id, "waste", "Хог " * 200 + str(i)))
    assert "Диск дүүрсэн" in info.value.mn and "disk is full" in info.value.en
    store.conn.execute("PRAGMA max_page_count=1073741823")
    assert store.get(model.Observation, first.id).value_num == 12.0
    assert store.check() == []
    assert not store.conn.in_transaction


def test_a_corrupt_database_file_is_refused_and_left_alone(tmp_path: Path) -> None:
    with Store.open(tmp_path) as store:
        make_site(store)
    path = tmp_path / "pemdesk.sqlite"
    data = bytearray(path.read_bytes())
    data[:100] = b"this is not a database, a USB stick ate it" + bytes(58)
    path.write_bytes(bytes(data))
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    with pytest.raises(StorageError) as info:
        Store.open(tmp_path)
    assert "эвдэрсэн" in info.value.mn and "damaged" in info.value.en
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before


def test_garbage_inside_pages_is_reported_by_db_check(tmp_path: Path) -> None:
    with Store.open(tmp_path) as store:
        for i in range(50):
            make_site(store, f"Объект {i}")
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    path = tmp_path / "pemdesk.sqlite"
    data = bytearray(path.read_bytes())
    page = 4096
    for offset in range(page * 2, len(data) - page, page):
        data[offset + 100 : offset + 400] = os.urandom(300)
    path.write_bytes(bytes(data))
    try:
        with Store.open(tmp_path) as store:
            assert store.check() != []
    except StorageError as exc:
        assert "damaged" in exc.en


def _make_read_only(folder: Path) -> None:
    if os.geteuid() != 0:
        folder.chmod(0o555)
        return
    # root ignores permission bits; the immutable attribute stops root too.
    result = subprocess.run(["chattr", "+i", str(folder)], capture_output=True, text=True)
    if result.returncode != 0:
        pytest.skip(f"cannot make a read-only folder as root here: {result.stderr.strip()}")


def _undo_read_only(folder: Path) -> None:
    if os.geteuid() == 0:
        subprocess.run(["chattr", "-i", str(folder)], check=True)
    else:
        folder.chmod(0o755)


def test_a_read_only_data_folder_gives_a_clear_message(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    with Store.open(folder) as store:
        make_site(store)
    before = hashlib.sha256((folder / "pemdesk.sqlite").read_bytes()).hexdigest()
    _make_read_only(folder)
    try:
        result = subprocess.run(
            [sys.executable, "-m", "pemdesk", "--data-dir", str(folder), "sites", "list"],
            capture_output=True, text=True, env=os.environ | {"PEMDESK_LANG": "mn"},
        )
    finally:
        _undo_read_only(folder)
    assert result.returncode == 1, result.stderr
    assert "бичих эрх алга" in result.stderr
    assert "Traceback" not in result.stderr
    assert hashlib.sha256((folder / "pemdesk.sqlite").read_bytes()).hexdigest() == before
