"""Login, password, role and integration-token shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

from telcodesk.inputs import Line
from telcodesk.org.roles import Role


class TokenRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: Line = Field(min_length=1, max_length=50)
    password: Line = Field(min_length=1, max_length=200)


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int = Field(description="Seconds")


class UnitOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    code: str
    name: str
    kind: str
    region_code: str


class MeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    username: str
    display_name: str
    role: Role
    unit: UnitOut
    last_login_at: datetime | None


class PasswordChangeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    current: Line = Field(min_length=1, max_length=200)
    new: Line = Field(min_length=1, max_length=200)


class RoleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: Role


class StaffRoleOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    username: str
    role: Role


# Scopes an integration token (IVR, web hall, SMS gateway) may carry (CD-2).
IntegrationScope = Literal["orders:create", "orders:read", "customers:read"]
INTEGRATION_SCOPES: tuple[str, ...] = get_args(IntegrationScope)


class IntegrationTokenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    label: Line = Field(min_length=1, max_length=100, description="e.g. 'IVR 10000 hotline'")
    username: Line = Field(
        min_length=1, max_length=50, description="Service account the integration acts as"
    )
    scopes: list[IntegrationScope] = Field(min_length=1, max_length=len(INTEGRATION_SCOPES))
    expires_in_days: int = Field(default=90, ge=1, le=366)


class IntegrationTokenOut(BaseModel):
    id: int
    label: str
    username: str
    scopes: list[str]
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    last_seen_at: datetime | None


class IntegrationTokenCreated(IntegrationTokenOut):
    token: str = Field(description="The secret; shown this once only")
