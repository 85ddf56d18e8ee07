"""What every CLI command shares: the data folder, the store, output in the user's language."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pemdesk import i18n
from pemdesk.errors import PemdeskError
from pemdesk.paths import resolve_data_dir

if TYPE_CHECKING:
    from pemdesk.storage import Store


@dataclass
class CommandContext:
    data_dir: Path
    lang: str
    _store: Store | None = None

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> CommandContext:
        return cls(data_dir=resolve_data_dir(args.data_dir, demo=args.demo), lang=i18n.get_language())

    @property
    def store(self) -> Store:
        if self._store is None:
            from pemdesk.storage import Store

            self._store = Store.open(self.data_dir)
        return self._store

    def close(self) -> None:
        """Close the store if a command opened it (main() may run many times in one process)."""
        if self._store is not None:
            self._store.close()
            self._store = None


def print_json(value: Any) -> None:
    json.dump(value, sys.stdout, ensure_ascii=False, indent=2, default=str)
    sys.stdout.write("\n")


def fail(exc: PemdeskError, ctx: CommandContext | None = None) -> int:
    lang = ctx.lang if ctx else i18n.get_language()
    print(exc.message(lang), file=sys.stderr)
    if exc.detail:
        print(f"  ({exc.detail})", file=sys.stderr)
    return 1


def print_table(rows: list[list[str]], headers: list[str]) -> None:
    widths = [max(len(str(x)) for x in col) for col in zip(headers, *rows, strict=False)]
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=False)).rstrip())
    for row in rows:
        print("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=False)).rstrip())
