"""Collect ``_("...")`` strings into a Mongolian catalogue file (resources/locale/mn/LC_MESSAGES).

The program reads every ``*.po`` there (one per area, so several people can work at once):

    python scripts/update_po.py                                   # src/ -> pemdesk.po
    python scripts/update_po.py --po map.po --src src/pemdesk/ui/map src/pemdesk/geo

New strings (not already in another .po file) get an empty translation to fill in; entries whose
string is used nowhere in src/ any more are marked obsolete.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parents[1]
PO_DIR = ROOT / "resources" / "locale" / "mn" / "LC_MESSAGES"


def source_messages(*sources: Path) -> dict[str, list[str]]:
    """msgid -> places it is used."""
    found: dict[str, list[str]] = {}
    files = sorted({f for src in sources for f in ([src] if src.is_file() else src.rglob("*.py"))})
    for path in files:
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
    import argparse

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--po", default="pemdesk.po", help="catalogue file name in " + str(PO_DIR))
    parser.add_argument("--src", nargs="*", type=Path, default=[ROOT / "src"])
    args = parser.parse_args()
    po_path = PO_DIR / args.po
    everywhere = source_messages(ROOT / "src")
    elsewhere = set()
    for other in PO_DIR.glob("*.po"):
        if other.name != args.po:
            elsewhere |= {
                e.msgid for e in polib.pofile(str(other)) if not e.obsolete and not e.msgctxt
            }
    messages = {
        k: v
        for k, v in source_messages(*[p.resolve() for p in args.src]).items()
        if k not in elsewhere
    }
    po = polib.pofile(str(po_path)) if po_path.exists() else polib.POFile()
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
        entry.occurrences = [
            (p.rsplit(":", 1)[0], p.rsplit(":", 1)[1] if ":" in p else "") for p in places[:3]
        ]
    for entry in po:
        if entry.msgid not in everywhere:
            entry.obsolete = True
    po.sort(key=lambda e: e.msgid)  # stable file, small diffs
    po_path.parent.mkdir(parents=True, exist_ok=True)
    po.save(str(po_path))
    missing = [e.msgid for e in po if not e.obsolete and not e.msgstr]
    print(f"{len(messages)} messages, {len(missing)} without a Mongolian translation")
    for m in missing:
        print(f"  {m!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
