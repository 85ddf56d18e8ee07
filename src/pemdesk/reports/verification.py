"""The verification code printed on a visit report: the seal digest and a QR code.

The QR payload is defined by the seal module (``pemdesk.seal.qr_payload``) and checked by
``pemdesk verify --qr TEXT``; this module only prints it. A visit that is not sealed (a draft)
gets no QR code, and its footer says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pemdesk import model
from pemdesk.reports.base import MM


@dataclass(frozen=True)
class Verification:
    digest: str | None
    payload: str | None  # the QR code's text; None when the visit is not sealed


def verify_url(server_url: str, digest: str) -> str:
    """The portal's public verify page of a seal (``pemdesk.portal``: ``/v/<digest>``)."""
    return f"{server_url.rstrip('/')}/v/{digest}"


def visit_verification(visit: model.Visit, server_url: str | None = None) -> Verification:
    """The QR payload: the server's verify page when the laptop knows its server (anyone with a
    phone can check the paper there), else the offline ``PEMDESK1|…`` text for ``pemdesk verify``."""
    if not visit.seal_digest:
        return Verification(None, None)
    if server_url and server_url.startswith(("http://", "https://")):
        return Verification(visit.seal_digest, verify_url(server_url, visit.seal_digest))
    from pemdesk import seal  # no fallback: a report must never carry an uncheckable code

    return Verification(visit.seal_digest, seal.qr_payload(visit))


def qr_drawing(payload: str, size_mm: float = 30) -> Any:
    """The QR code as vector squares (sharp at any print resolution, a few hundred bytes)."""
    import segno
    from reportlab.graphics.shapes import Drawing, Rect
    from reportlab.lib import colors

    code = segno.make(payload, error="m", micro=False)
    matrix = code.matrix
    n = len(matrix)
    quiet = 2  # modules of white border; the frame around it on the page adds more
    size = size_mm * MM
    module = size / (n + 2 * quiet)
    drawing = Drawing(size, size)
    drawing.add(Rect(0, 0, size, size, fillColor=colors.white, strokeWidth=0))
    for row, line in enumerate(matrix):
        col = 0
        while col < n:
            if line[col]:
                start = col
                while col < n and line[col]:
                    col += 1
                drawing.add(
                    Rect(
                        (quiet + start) * module,
                        size - (quiet + row + 1) * module,
                        (col - start) * module,
                        module,
                        fillColor=colors.black,
                        strokeWidth=0,
                        strokeColor=None,
                    )
                )
            else:
                col += 1
    return drawing
