"""argparse's own words ("usage:", "options", "show this help message and exit", its errors) in
the program's language: argparse looks them up through its module-level ``_`` at run time."""

from __future__ import annotations

import argparse

from pemdesk import i18n
from pemdesk.labels import N_

# argparse's messages (CPython 3.11–3.13), so that scripts/update_po.py puts them in pemdesk.po.
ARGPARSE_MESSAGES = (
    N_("usage: "),
    N_("positional arguments"),
    N_("options"),
    N_("show this help message and exit"),
    N_("show program's version number and exit"),
    N_("the following arguments are required: %s"),
    N_("unrecognized arguments: %s"),
    N_("invalid choice: %(value)r (choose from %(choices)s)"),
    N_("%(prog)s: error: %(message)s\n"),
    N_("expected one argument"),
    N_("argument %(argument_name)s: %(message)s"),
    N_("invalid %(type)s value: %(value)r"),
    N_("not allowed with argument %s"),
)


def install() -> None:
    argparse._ = i18n._  # type: ignore[attr-defined]
