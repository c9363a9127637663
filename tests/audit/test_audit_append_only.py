"""The audit log is append-only (CD-2): on PostgreSQL the database itself refuses changes."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from telcodesk.audit import service as audit
from telcodesk.db import unit_of_work
from tests.factories import World


@pytest.mark.postgresql
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_record SET action = 'nothing_happened'",
        "DELETE FROM audit_record",
        "TRUNCATE audit_record",
    ],
)
def test_postgresql_refuses_to_change_the_audit_log(
    factory: sessionmaker[Session], world: World, engine: Engine, statement: str
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("the trigger is PostgreSQL's; the app has no path to change rows on any engine")
    with unit_of_work(factory) as session:
        audit.record(
            session, world.admin, "role_changed", "staff", "gz.agent", before="x", after="y"
        )
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
        conn.execute(text(statement))
    with engine.connect() as conn:
        assert (
            conn.scalar(text("SELECT count(*) FROM audit_record WHERE action = 'role_changed'"))
            == 1
        )
