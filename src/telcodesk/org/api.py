"""Authentication API (CD-2): exchange a password for a bearer token, who am I, revoke, change
the password; integration tokens for the channels; staff roles."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request

from telcodesk.deps import (
    ApiStaff,
    CallerDep,
    DbDep,
    LoginThrottleDep,
    SettingsDep,
    bearer_token,
    client_address,
)
from telcodesk.inputs import Id, Line
from telcodesk.org import accounts, service, tokens
from telcodesk.org.schemas import (
    IntegrationTokenCreated,
    IntegrationTokenIn,
    IntegrationTokenOut,
    MeOut,
    PasswordChangeIn,
    RoleIn,
    StaffRoleOut,
    TokenOut,
    TokenRequest,
)

router = APIRouter(prefix="/api/v1")


@router.post(
    "/auth/token",
    response_model=TokenOut,
    tags=["auth"],
    operation_id="auth_token",
    responses={
        401: {"description": "bad_credentials"},
        403: {"description": "password_expired"},
        423: {"description": "account_locked"},
        429: {"description": "login_throttled"},
    },
)
def issue_token(
    body: TokenRequest,
    request: Request,
    db: DbDep,
    settings: SettingsDep,
    throttle: LoginThrottleDep,
) -> TokenOut:
    """Sign in with username and password for a bearer token.

    Wrong passwords in a row lock the account for a while (423 account_locked); too many
    failures from one address refuse its tries for a while (429 login_throttled); an expired
    password, or one an admin set, gets no token (403 password_expired) until changed in the
    console."""
    with db.uow() as session:
        outcome = service.login(
            session,
            body.username,
            body.password,
            kind="api",
            settings=settings,
            client=client_address(request),
            throttle=throttle,
        )
    outcome.raise_for_error()  # after the commit: failures are counted and audited (CD-2)
    assert outcome.token is not None  # a successful login carries one
    return TokenOut(access_token=outcome.token, expires_in=settings.api_token_hours * 3600)


@router.get("/auth/me", response_model=MeOut, tags=["auth"], operation_id="auth_me")
def me(staff: ApiStaff) -> MeOut:
    """The signed-in account: name, role, unit, region and permissions."""
    return MeOut.model_validate(staff)


@router.post("/auth/revoke", status_code=204, tags=["auth"], operation_id="auth_revoke")
def revoke(request: Request, staff: ApiStaff, db: DbDep) -> None:
    """Sign out: revoke the bearer token in use."""
    token = bearer_token(request)
    if token:
        with db.uow() as session:
            service.close_session(session, token)


@router.post(
    "/auth/password",
    status_code=204,
    tags=["auth"],
    operation_id="auth_password",
    responses={423: {"description": "account_locked: too many wrong current passwords"}},
)
def change_password(
    body: PasswordChangeIn, caller: CallerDep, db: DbDep, settings: SettingsDep
) -> None:
    """At least 10 characters with letters and digits, without the username, none of the last
    five (422 codes password_*); ends the caller's other sessions and API tokens."""
    with db.uow() as session:
        outcome = service.change_password(
            session,
            caller.staff,
            body.current,
            body.new,
            settings=settings,
            keep_token=caller.token,
        )
    outcome.raise_for_error()


@router.post(
    "/auth/integration-tokens",
    response_model=IntegrationTokenCreated,
    status_code=201,
    tags=["auth"],
    operation_id="integration_tokens_create",
)
def create_integration_token(
    body: IntegrationTokenIn, staff: ApiStaff, db: DbDep
) -> IntegrationTokenCreated:
    """A scoped token for a channel (IVR, web hall, SMS gateway); the secret is shown once."""
    with db.uow() as session:
        out, secret = tokens.create(session, staff, body)
    return IntegrationTokenCreated(**out.model_dump(), token=secret)


@router.get(
    "/auth/integration-tokens",
    response_model=list[IntegrationTokenOut],
    tags=["auth"],
    operation_id="integration_tokens_list",
)
def list_integration_tokens(staff: ApiStaff, db: DbDep) -> list[IntegrationTokenOut]:
    """The integration tokens of the caller's region (admins), without their secrets."""
    with db.uow() as session:
        return tokens.list_tokens(session, staff)


@router.delete(
    "/auth/integration-tokens/{token_id}",
    status_code=204,
    tags=["auth"],
    operation_id="integration_tokens_revoke",
)
def revoke_integration_token(token_id: Id, staff: ApiStaff, db: DbDep) -> None:
    """Revoke an integration token; its system stops at the next call."""
    with db.uow() as session:
        tokens.revoke(session, staff, token_id)


@router.put(
    "/staff/{username}/role",
    response_model=StaffRoleOut,
    tags=["organisation"],
    operation_id="staff_set_role",
)
def set_role(
    username: Annotated[Line, Path(max_length=50)], body: RoleIn, staff: ApiStaff, db: DbDep
) -> StaffRoleOut:
    """Change a staff member's role (admins, inside their region; audited)."""
    with db.uow() as session:
        return StaffRoleOut.model_validate(accounts.set_role(session, staff, username, body.role))
