"""The pure seal functions (usable by the sync server) and the device key."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pemdesk import seal
from pemdesk.device_key import key_path, load_or_create
from pemdesk.errors import InvalidInput, StorageError

VISIT = {
    "id": "v1", "site_id": "s1", "started_at": "2025-06-01T02:00:00.000Z", "ended_at": None,
    "lon": 106.5, "lat": 43.1, "position_source": "gps", "weather": "", "purpose": "",
    "notes": "Шороо их", "status": "finished", "revision": 1, "supersedes": None,
    "created_by": None, "finished_at": "2025-06-01T05:00:00.000Z",
    "seal_digest": "ignored", "_version": 3, "updated_at": "ignored", "extra": "{}",
}  # fmt: skip
OBS = [
    {"id": "o2", "indicator": "ph", "value_num": 7, "value_text": None, "unit": "pH"},
    {"id": "o1", "indicator": "pm10_24h", "value_num": 120.5, "value_text": None, "unit": "µg/m³"},
]
PHOTOS = [
    {"id": "p1", "sha256": "ab" * 32, "taken_at": "2025-06-01T03:00:00.000Z", "orientation": 6}
]


def _doc(**kw):
    args = dict(plot_ids=["pl2", "pl1"], observations=OBS, photos=PHOTOS,
                participants=[{"id": "pa1", "person_id": "pe1", "role": "monitor", "person_name": "Бат"}])  # fmt: skip
    args.update(kw)
    return seal.visit_document(VISIT, **args)


def test_document_is_canonical_and_ignores_bookkeeping() -> None:
    doc = _doc()
    assert doc["format"] == seal.SEAL_FORMAT
    assert [o["id"] for o in doc["observations"]] == ["o1", "o2"]
    assert doc["plot_ids"] == ["pl1", "pl2"]
    assert "seal_digest" not in doc["visit"] and "_version" not in doc["visit"]
    assert doc["observations"][1]["value_num"] == 7.0  # one number form, whatever the database
    # Same content in another order, other bookkeeping: same digest.
    other = dict(VISIT, _version=9, updated_at="x", seal_digest=None)
    doc2 = seal.visit_document(other, plot_ids=["pl1", "pl2"], observations=list(reversed(OBS)),
                               photos=PHOTOS, participants=doc["participants"])  # fmt: skip
    assert seal.digest(doc) == seal.digest(doc2)
    text = seal.canonical_json(doc)
    assert b" " not in text.replace("Шороо их".encode(), b"") and "Шороо".encode() in text


def test_any_change_changes_the_digest() -> None:
    base = seal.digest(_doc())
    changed_obs = [dict(OBS[0], value_num=7.1), OBS[1]]
    assert seal.digest(_doc(observations=changed_obs)) != base
    assert seal.digest(_doc(photos=[dict(PHOTOS[0], sha256="cd" * 32)])) != base
    assert seal.digest(_doc(previous_seal="00" * 32)) != base
    assert seal.digest(_doc(plot_ids=["pl1"])) != base


def test_sign_and_check(tmp_path: Path) -> None:
    key = load_or_create(tmp_path)
    d = seal.digest(_doc())
    sig = seal.sign(d, key)
    assert seal.signature_valid(d, sig, key.public_hex)
    assert not seal.signature_valid(
        d.replace(d[0], "0" if d[0] != "0" else "1", 1), sig, key.public_hex
    )
    other = load_or_create(tmp_path / "other")
    assert not seal.signature_valid(d, sig, other.public_hex)
    assert not seal.signature_valid(d, "zz", key.public_hex)


def test_diff_names_record_and_field() -> None:
    sealed = _doc()
    current = _doc(
        observations=[dict(OBS[0], value_num=8), {"id": "o3", "indicator": "ph", "value_num": 1}],
        photos=[],
    )
    diffs = {(d.section, d.record_id, d.field) for d in seal.diff_documents(sealed, current)}
    assert diffs == {
        ("observations", "o2", "value_num"),
        ("observations", "o1", None),
        ("observations", "o3", None),
        ("photos", "p1", None),
    }
    texts = [d.describe("en") for d in seal.diff_documents(sealed, current)]
    assert any("o2.value_num: 7.0 → 8.0" in t for t in texts)
    assert any("removed after sealing" in t for t in texts)


def test_qr_payload_round_trip() -> None:
    visit = {"id": "018cc251-f638-7e4e-977d-6673069d1b89", "revision": 2, "seal_digest": "ab" * 32}
    text = seal.qr_payload(visit)
    assert text == f"PEMDESK1|{visit['id']}|2|{'ab' * 32}"
    parsed = seal.parse_qr(text + "\n")
    assert (parsed.visit_id, parsed.revision, parsed.digest) == (visit["id"], 2, "ab" * 32)
    for bad in (
        "",
        "hello",
        "PEMDESK1|x|1|abc",
        "PEMDESK2|x|1|" + "ab" * 32,
        "PEMDESK1|x|one|" + "ab" * 32,
    ):
        with pytest.raises(InvalidInput):
            seal.parse_qr(bad)
    with pytest.raises(InvalidInput):
        seal.qr_payload({"id": "x", "revision": 1, "seal_digest": None})


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(seal.OBSERVATION_FIELDS[1:]),
                       st.one_of(st.none(), st.text(), st.floats(allow_nan=False, allow_infinity=False)),
                       ))  # fmt: skip
def test_digest_is_stable_through_json(fields) -> None:
    import json

    doc = seal.visit_document(VISIT, observations=[{"id": "o", **fields}])
    assert seal.digest(json.loads(seal.canonical_json(doc))) == seal.digest(doc)


def test_device_key_is_made_once_with_owner_only_permissions(tmp_path: Path) -> None:
    key = load_or_create(tmp_path)
    again = load_or_create(tmp_path)
    assert key.public_hex == again.public_hex and len(key.public_hex) == 64
    path = key_path(tmp_path)
    if os.name == "posix":
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
        os.chmod(path, 0o644)
        load_or_create(tmp_path)
        assert stat.S_IMODE(path.stat().st_mode) == 0o600  # tightened on load
    path.write_text("not a key", encoding="ascii")
    with pytest.raises(StorageError):
        load_or_create(tmp_path)
