"""Run a multi-statement SQL script inside the caller's transaction.

``sqlite3.executescript`` commits any open transaction first, which would make a migration
non-atomic; this splits the script into complete statements and runs them one by one.
"""

from __future__ import annotations

import sqlite3


def run_script(conn: sqlite3.Connection, script: str) -> None:
    buffer = ""
    for piece in script.split(";"):
        buffer += piece + ";"
        if sqlite3.complete_statement(buffer):
            if buffer.strip(" \n\t;"):
                conn.execute(buffer)
            buffer = ""
    if buffer.strip(" \n\t;"):
        raise sqlite3.OperationalError(f"incomplete SQL statement: {buffer[:80]!r}")
