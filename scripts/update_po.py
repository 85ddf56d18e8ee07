"""Collect every ``_("...")`` string in src/ into the Mongolian catalogue (resources/locale).

New strings are added with an empty translation; strings no longer used are marked obsolete.
Run after adding UI or CLI text, then fill in the Mongolian:  python scripts/update_po.py
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parents[1]
PO_PATH = ROOT / "resources" / "locale" / "mn" / "LC_MESSAGES" / "pemdesk.po"


def source_messages(src: Path = ROOT / "src") -> dict[str, list[str]]:
    """msgid -> places it is used."""
    found: dict[str, list[str]] = {}
    for path in sorted(src.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in ("_", "N_")
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                where = f"{path.relative_to(ROOT)}:{node.lineno}"
                found.setdefault(node.args[0].value, []).append(where)
    return found


def main() -> int:
    messages = source_messages()
    po = polib.pofile(str(PO_PATH)) if PO_PATH.exists() else polib.POFile()
    po.metadata = {
        "Project-Id-Version": "pemdesk",
        "Language": "mn",
        "MIME-Version": "1.0",
        "Content-Type": "text/plain; charset=UTF-8",
        "Content-Transfer-Encoding": "8bit",
    }
    existing = {e.msgid: e for e in po}
    for msgid, places in messages.items():
        entry = existing.get(msgid)
        if entry is None:
            entry = polib.POEntry(msgid=msgid, msgstr="")
            po.append(entry)
        entry.obsolete = False
        entry.occurrences = [(p.rsplit(":", 1)[0], p.rsplit(":", 1)[1] if ":" in p else "") for p in places[:3]]
    for entry in po:
        if entry.msgid not in messages:
            entry.obsolete = True
    po.sort(key=lambda e: e.msgid)  # stable file, small diffs
    PO_PATH.parent.mkdir(parents=True, exist_ok=True)
    po.save(str(PO_PATH))
    missing = [e.msgid for e in po if not e.obsolete and not e.msgstr]
    print(f"{len(messages)} messages, {len(missing)} without a Mongolian translation")
    for m in missing:
        print(f"  {m!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
