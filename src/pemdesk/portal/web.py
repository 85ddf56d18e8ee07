"""Request plumbing of the portal: sessions, CSRF, permissions, language, templates.

- Sessions: one cookie ``pem_session``: a JSON payload signed with HMAC-SHA256 (key in the server
  database), HttpOnly, SameSite=Lax, Secure over HTTPS (directly or behind a proxy that says so).
  It carries the user name, the user's password generation (a password change or a disabled
  account ends every older session), a CSRF token and the time; sessions last 12 hours.
- CSRF: every form carries the session's token in ``csrf``; a POST without the right one is
  refused (403). Anonymous visitors get a session too, so the login form is protected as well.
- Permissions: every route is declared with ``page(router, ..., perm=...)``; the permission is
  kept on the endpoint (``endpoint.permission``) and enforced by a dependency.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape

from pemdesk import i18n
from pemdesk.portal import accounts
from pemdesk.portal.accounts import User

COOKIE = "pem_session"
LANG_COOKIE = "pem_lang"
SESSION_S = 12 * 3600
HERE = Path(__file__).resolve().parent


class Perm(StrEnum):
    PUBLIC = "public"            # anyone, no login
    USER = "user"                # any logged-in account
    STAFF = "staff"              # coordinators and monitors (not company representatives)
    COORDINATOR = "coordinator"  # coordinators only


class Forbidden(Exception):
    pass


class LoginRequired(Exception):
    pass


@dataclass
class Ctx:
    """What a handler knows about the request: who, which language, the CSRF token."""

    request: Request
    user: User | None
    lang: str
    csrf: str
    session: dict[str, Any]
    new_cookie: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def _(self, message: str) -> str:
        return i18n.tr(message, self.lang)

    @property
    def role(self) -> str:
        return self.user.role if self.user else "anonymous"

    @property
    def public_view(self) -> bool:
        """Anonymous visitors and company representatives see the public variant."""
        return self.user is None or self.user.role == "company"


class Portal:
    """Shared state of the portal (one per app): database, read model, templates, secrets."""

    def __init__(self, server: Any, readmodel: Any) -> None:
        self.server = server
        self.db = server.db
        self.rm = readmodel
        accounts.install(self.db)
        self.secret = accounts.session_secret(self.db)
        self.limiter = accounts.RateLimiter()
        self.env = Environment(loader=FileSystemLoader(str(HERE / "templates")),
                               autoescape=select_autoescape(["html", "xml"], default=True),
                               trim_blocks=True, lstrip_blocks=True)
        self._public_cache: tuple[float, set[str]] = (0.0, set())

    # --- cookies -----------------------------------------------------------------------------
    def _sign(self, payload: bytes) -> str:
        return hmac.new(self.secret, payload, hashlib.sha256).hexdigest()

    def encode(self, session: dict[str, Any]) -> str:
        raw = base64.urlsafe_b64encode(json.dumps(session, separators=(",", ":")).encode())
        return raw.decode() + "." + self._sign(raw)

    def decode(self, value: str | None) -> dict[str, Any] | None:
        if not value or "." not in value or len(value) > 4096:
            return None
        raw, _, sig = value.rpartition(".")
        if not hmac.compare_digest(self._sign(raw.encode()), sig):
            return None
        try:
            data = json.loads(base64.urlsafe_b64decode(raw.encode()))
        except ValueError:
            return None
        if not isinstance(data, dict) or time.time() - float(data.get("t", 0)) > SESSION_S:
            return None
        return data

    def public_sites(self) -> set[str]:
        at, value = self._public_cache
        if time.monotonic() - at > 2.0:
            value = accounts.public_sites(self.db)
            self._public_cache = (time.monotonic(), value)
        return value

    def forget_public_cache(self) -> None:
        self._public_cache = (0.0, set())

    # --- context -----------------------------------------------------------------------------
    def context(self, request: Request) -> Ctx:
        session = self.decode(request.cookies.get(COOKIE))
        new = None
        if session is None:
            session = {"u": None, "g": 0, "c": secrets.token_urlsafe(24), "t": time.time()}
            new = session
        user = None
        if session.get("u"):
            user = accounts.get_user(self.db, str(session["u"]))
            if user is None or user.generation != session.get("g"):
                user = None
                session = {"u": None, "g": 0, "c": secrets.token_urlsafe(24), "t": time.time()}
                new = session
        lang = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE) or "mn"
        if lang not in i18n.LANGUAGES:
            lang = i18n.DEFAULT_LANGUAGE
        return Ctx(request, user, lang, str(session["c"]), session, new)

    def login(self, ctx: Ctx, user: User) -> None:
        ctx.new_cookie = {"u": user.name, "g": user.generation, "c": secrets.token_urlsafe(24),
                          "t": time.time()}
        ctx.csrf = ctx.new_cookie["c"]

    def logout(self, ctx: Ctx) -> None:
        ctx.new_cookie = {"u": None, "g": 0, "c": secrets.token_urlsafe(24), "t": time.time()}

    def finish(self, ctx: Ctx, response: Response) -> Response:
        if ctx.new_cookie is not None:
            secure = (ctx.request.url.scheme == "https"
                      or ctx.request.headers.get("x-forwarded-proto") == "https")
            response.set_cookie(COOKIE, self.encode(ctx.new_cookie), max_age=SESSION_S,
                                httponly=True, samesite="lax", secure=secure, path="/")
        if "lang" in ctx.request.query_params and ctx.request.query_params["lang"] in i18n.LANGUAGES:
            response.set_cookie(LANG_COOKIE, ctx.lang, max_age=365 * 86400, samesite="lax",
                                path="/")
        for k, v in ctx.headers.items():
            response.headers[k] = v
        response.headers.setdefault("x-content-type-options", "nosniff")
        response.headers.setdefault("referrer-policy", "same-origin")
        return response

    # --- rendering ---------------------------------------------------------------------------
    def render(self, ctx: Ctx, template: str, status: int = 200, **values: Any) -> Response:
        tpl = self.env.get_template(template)
        html = tpl.render(_=ctx._, ctx=ctx, user=ctx.user, lang=ctx.lang, csrf=ctx.csrf,
                          path=ctx.request.url.path, fmt_date=lambda v: i18n.format_date(v, ctx.lang),
                          num=_num, **values)
        response = HTMLResponse(html, status_code=status)
        response.headers["content-security-policy"] = (
            "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
            "script-src 'self'; frame-ancestors 'none'; form-action 'self'")
        response.headers["cache-control"] = "no-store" if ctx.user else "no-cache"
        return self.finish(ctx, response)

    async def check_csrf(self, ctx: Ctx) -> dict[str, str]:
        form = await ctx.request.form()
        token = form.get("csrf")
        if not isinstance(token, str) or not hmac.compare_digest(token, ctx.csrf):
            raise Forbidden("csrf")
        return {k: v for k, v in form.items() if isinstance(v, str)}


def _num(value: float | int | None, digits: int = 0) -> str:
    if value is None:
        return "—"
    return i18n.format_number(value, digits)


ALLOWED: dict[Perm, Callable[[User | None], bool]] = {
    Perm.PUBLIC: lambda u: True,
    Perm.USER: lambda u: u is not None,
    Perm.STAFF: lambda u: u is not None and u.role in ("coordinator", "monitor"),
    Perm.COORDINATOR: lambda u: u is not None and u.role == "coordinator",
}


def guard(portal: Portal, perm: Perm) -> Callable[[Request], Ctx]:
    def dependency(request: Request) -> Ctx:
        ctx = portal.context(request)
        request.state.ctx = ctx
        if not ALLOWED[perm](ctx.user):
            if ctx.user is None:
                raise LoginRequired()
            raise Forbidden(perm.value)
        return ctx

    return dependency


def route(router: APIRouter, portal: Portal, method: str, path: str, perm: Perm,
          **kw: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare a route with its permission (kept on the endpoint for the permission test)."""
    def wrap(fn: Callable[..., Any]) -> Callable[..., Any]:
        fn.permission = perm  # type: ignore[attr-defined]
        router.add_api_route(path, fn, methods=[method], dependencies=[Depends(guard(portal, perm))],
                             **kw)
        return fn

    return wrap


def ctx_of(request: Request) -> Ctx:
    ctx: Ctx = request.state.ctx
    return ctx
