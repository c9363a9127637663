"""Authentication API: exchange a password for a bearer token; who am I; revoke."""

from __future__ import annotations

from fastapi import APIRouter, Request

from telcodesk.deps import ApiStaff, DbDep, SettingsDep, bearer_token
from telcodesk.org import service
from telcodesk.org.schemas import MeOut, TokenOut, TokenRequest

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])


@router.post("/token", response_model=TokenOut, operation_id="auth_token")
def issue_token(body: TokenRequest, db: DbDep, settings: SettingsDep) -> TokenOut:
    with db.uow() as session:
        staff = service.authenticate(session, body.username, body.password)
        token = service.open_session(session, staff, kind="api", hours=settings.api_token_hours)
    return TokenOut(access_token=token, expires_in=settings.api_token_hours * 3600)


@router.get("/me", response_model=MeOut, operation_id="auth_me")
def me(staff: ApiStaff) -> MeOut:
    return MeOut.model_validate(staff)


@router.post("/revoke", status_code=204, operation_id="auth_revoke")
def revoke(request: Request, staff: ApiStaff, db: DbDep) -> None:
    token = bearer_token(request)
    if token:
        with db.uow() as session:
            service.close_session(session, token)
