"""Shapes for managing the organisation tree and staff accounts (CC-1, CD-2)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, model_validator

from telcodesk.inputs import Line, invalid
from telcodesk.org.roles import Role, UnitKind

TIME = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"


class UnitIn(BaseModel):
    """An organisation unit; ``region_code`` is its GB/T 2260 administrative code."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    code: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    name: Line = Field(min_length=1, max_length=100)
    kind: UnitKind
    region_code: str = Field(pattern=r"^[1-9][0-9]{5}$")
    parent_code: Line | None = Field(default=None, max_length=40)
    open_time: str | None = Field(default=None, pattern=TIME)
    close_time: str | None = Field(default=None, pattern=TIME)
    workdays_only: bool = False

    @model_validator(mode="after")
    def _hours_pair(self) -> UnitIn:
        if (self.open_time is None) != (self.close_time is None):
            raise invalid(
                "营业开始与结束时间须同时填写或同时不填（全天）",
                "give both open_time and close_time, or neither (24 hours)",
            )
        if self.open_time and self.close_time and self.close_time <= self.open_time:
            raise invalid("结束时间须晚于开始时间", "close_time must be after open_time")
        if self.kind != UnitKind.HQ and not self.parent_code:
            raise invalid(
                "除总部外，每个单位都须有上级单位", "every unit but HQ needs a parent_code"
            )
        return self


class UnitOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    code: str
    name: str
    kind: UnitKind
    region_code: str
    parent_id: int | None
    open_time: str | None
    close_time: str | None
    workdays_only: bool


class StaffIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    username: str = Field(min_length=2, max_length=50, pattern=r"^[a-z0-9][a-z0-9._-]*$")
    display_name: Line = Field(min_length=1, max_length=50)
    unit_code: Line = Field(min_length=1, max_length=40)
    role: Role
    # The one password policy (CD-2) is checked in the service: 422 password_* codes.
    password: Line = Field(min_length=1, max_length=200)
    skills: list[Line] = Field(default=[], max_length=20)


class StaffOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    username: str
    display_name: str
    role: Role
    unit_id: int
    active: bool
    skills: list[str]
    available: bool
    locked_until: datetime | None = None
    must_change_password: bool = False


class PasswordResetIn(BaseModel):
    """A temporary password (the one policy applies); its owner changes it at next login."""

    model_config = ConfigDict(extra="forbid")
    password: Line = Field(min_length=1, max_length=200)


class UnitChangeIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    unit_code: Line = Field(min_length=1, max_length=40)


class SkillsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    skills: list[Line] = Field(max_length=20)
    available: bool = True


class ImportResult(BaseModel):
    created: int
    updated: int
