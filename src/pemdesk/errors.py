"""One error tree for the whole program.

Every error a user can meet carries a sentence in Mongolian and in English that tells them what
happened and what to do; technical detail (paths, SQL, tracebacks) is kept apart in ``detail``.
The UI and the CLI show ``error.message(lang)``; logs get ``detail`` too.
"""

from __future__ import annotations


class PemdeskWarning(UserWarning):
    """Warnings of our own; the test suite turns them into errors."""


class PemdeskError(Exception):
    """An error with a message the user can act on, in both languages."""

    def __init__(self, mn: str, en: str, *, detail: str = "") -> None:
        super().__init__(en if not detail else f"{en} ({detail})")
        self.mn = mn
        self.en = en
        self.detail = detail

    def message(self, lang: str = "mn") -> str:
        return self.mn if lang == "mn" else self.en


class NotFound(PemdeskError):
    """A record the user named does not exist."""


class InvalidInput(PemdeskError):
    """A value the user entered or a file they gave us is not acceptable."""


class StorageError(PemdeskError):
    """The local store cannot be read or written (disk full, read-only, corrupt, too new)."""


class Interrupted(PemdeskError):
    """Long work was cancelled by the user."""

    def __init__(self) -> None:
        super().__init__("Цуцлагдлаа.", "Cancelled.")


class Offline(PemdeskError):
    """No network: a normal state, shown calmly, never as an error dialog."""
