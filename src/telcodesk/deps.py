"""Request dependencies shared by the API and the console: database access, the current staff,
cookies, and what an integration token may call (CD-2)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session, sessionmaker

from telcodesk.config import Settings
from telcodesk.db import unit_of_work
from telcodesk.errors import Forbidden, Unauthenticated
from telcodesk.org import service as org
from telcodesk.org.models import AuthSession, Staff
from telcodesk.org.security import new_token, tokens_match
from telcodesk.org.throttle import ClientThrottle

SESSION_COOKIE = "td_session"
# CSRF double-submit token (web/csrf.py): readable by the page, sent back with every form.
CSRF_COOKIE = "td_csrf"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# Integration tokens reach only the API operations (by operation id) their scopes name; any
# other operation answers 403 token_scope. A route not listed here is closed to them.
SCOPE_OPERATIONS: dict[str, frozenset[str]] = {
    "orders:create": frozenset({"orders_create", "categories_list"}),
    "orders:read": frozenset(
        {"orders_list", "orders_get", "orders_history", "orders_notes", "categories_list"}
    ),
    "customers:read": frozenset({"customers_find"}),
}
ANY_SCOPE_OPERATIONS = frozenset({"auth_me"})


class Database:
    """Hands out units of work; lives on ``app.state.db``."""

    def __init__(self, factory: sessionmaker[Session]) -> None:
        self.factory = factory

    @contextmanager
    def uow(self) -> Iterator[Session]:
        with unit_of_work(self.factory) as session:
            yield session


def get_db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


DbDep = Annotated[Database, Depends(get_db)]
SettingsDep = Annotated[Settings, Depends(get_settings)]


class CsrfFailed(Forbidden):
    code = "csrf_failed"
    message_zh = "页面已过期或请求来源不明，请刷新页面后重试"
    message_en = "The page expired or the request came from elsewhere; reload and try again"


class TokenScope(Forbidden):
    code = "token_scope"
    message_zh = "接口令牌的授权范围不包含此操作"
    message_en = "The integration token's scopes do not cover this operation"


@dataclass
class Caller:
    """Who calls the API, and through which session or token."""

    staff: Staff
    auth: AuthSession
    token: str


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def client_address(request: Request) -> str | None:
    return request.client.host if request.client else None


def login_throttle(request: Request) -> ClientThrottle:
    """The app's per-client login throttle (CD-2, org/throttle.py), made on first use."""
    state = request.app.state
    throttle: ClientThrottle | None = getattr(state, "login_throttle", None)
    if throttle is None:
        settings: Settings = state.settings
        window = timedelta(minutes=settings.login_throttle_minutes)
        throttle = state.login_throttle = ClientThrottle(settings.login_throttle_failures, window)
    return throttle


LoginThrottleDep = Annotated[ClientThrottle, Depends(login_throttle)]


def csrf_ok(request: Request, supplied: str | None) -> bool:
    return tokens_match(request.cookies.get(CSRF_COOKIE), supplied)


def _resolve(
    db: Database, token: str, kinds: tuple[str, ...], idle_minutes: int | None = None
) -> tuple[Staff, AuthSession] | None:
    if not token:
        return None
    with db.uow() as session:
        return org.resolve_token(session, token, kinds=kinds, idle_minutes=idle_minutes)


def api_caller(request: Request, db: DbDep, settings: SettingsDep) -> Caller:
    """Staff behind the bearer token (API, integrations), or the console cookie (so htmx calls
    work). A cookie rides along on cross-site requests too, so a cookie-authenticated unsafe
    call must carry the CSRF header; an integration token must hold the operation's scope."""
    token = bearer_token(request)
    if token is not None:
        found = _resolve(db, token, ("api", "integration"))
    else:
        token = request.cookies.get(SESSION_COOKIE, "")
        unsafe = request.method not in SAFE_METHODS
        if token and unsafe and not csrf_ok(request, request.headers.get(CSRF_HEADER)):
            raise CsrfFailed()
        found = _resolve(db, token, ("console",), settings.session_idle_minutes)
    if found is None:
        raise Unauthenticated()
    staff, auth = found
    if auth.kind == "integration":
        require_scope(request, auth.scopes)
    return Caller(staff, auth, token)


def require_scope(request: Request, scopes: list[str]) -> None:
    operation = getattr(request.scope.get("route"), "operation_id", None)
    allowed = ANY_SCOPE_OPERATIONS.union(*(SCOPE_OPERATIONS.get(s, ()) for s in scopes))
    if operation not in allowed:
        raise TokenScope(details={"operation": operation, "scopes": scopes})


CallerDep = Annotated[Caller, Depends(api_caller)]


def api_staff(caller: CallerDep, settings: SettingsDep) -> Staff:
    # A console session with an expired password may only change it (CD-2).
    if caller.auth.kind == "console" and org.password_expired(caller.staff, settings):
        raise org.expired_error(settings, caller.staff)
    return caller.staff


def console_staff_or_none(request: Request, db: DbDep, settings: SettingsDep) -> Staff | None:
    """Staff of a live console session; idle sessions end (CD-2)."""
    token = request.cookies.get(SESSION_COOKIE, "")
    found = _resolve(db, token, ("console",), settings.session_idle_minutes)
    return found[0] if found else None


ApiStaff = Annotated[Staff, Depends(api_staff)]


# --- cookies ----------------------------------------------------------------------------------


def set_session_cookie(response: Response, token: str, settings: Settings) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=settings.env == "production",
        max_age=settings.session_hours * 3600,
        path="/",
    )


def clear_session_cookie(response: Response, settings: Settings) -> None:
    response.delete_cookie(
        SESSION_COOKIE, httponly=True, samesite="lax", secure=settings.env == "production"
    )


def set_csrf_cookie(response: Response, settings: Settings, token: str | None = None) -> str:
    """A (new) CSRF token; not HttpOnly, since the page sends it back with its forms."""
    token = token or new_token()
    response.set_cookie(
        CSRF_COOKIE,
        token,
        httponly=False,
        samesite="lax",
        secure=settings.env == "production",
        path="/",
    )
    return token
