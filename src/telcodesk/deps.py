"""Request dependencies shared by the API and the console: database access and the current staff."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session, sessionmaker

from telcodesk.config import Settings
from telcodesk.db import unit_of_work
from telcodesk.errors import Unauthenticated
from telcodesk.org import service as org
from telcodesk.org.models import Staff

SESSION_COOKIE = "td_session"


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


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def api_staff(request: Request, db: DbDep) -> Staff:
    """Staff behind the bearer token (API), or the console cookie (so htmx calls work)."""
    token = bearer_token(request)
    kind = "api"
    if token is None:
        token, kind = request.cookies.get(SESSION_COOKIE), "console"
    staff = None
    if token:
        with db.uow() as session:
            staff = org.staff_for_token(session, token, kind=kind)
    if staff is None:
        raise Unauthenticated()
    return staff


def console_staff_or_none(request: Request, db: DbDep) -> Staff | None:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    with db.uow() as session:
        return org.staff_for_token(session, token, kind="console")


ApiStaff = Annotated[Staff, Depends(api_staff)]
