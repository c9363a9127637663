"""Schemathesis over the whole API (issue 7, item 7): every operation of the OpenAPI document,
with generated valid and invalid input, as a powerful role (HQ admin) and a low one (hotline
agent), on SQLite and PostgreSQL, in-process (ASGI).

All of schemathesis' checks run on every response. What must hold: no server error, no status
the operation does not document, the one error body, responses as their schema says. The
failures are collected per operation and reported in one table (``POST /api/v1/orders:
Undocumented HTTP status code ...``), so whoever owns a route sees which one to fix.
Bounded to fit CI: ``TELCODESK_SCHEMATHESIS_EXAMPLES`` examples per operation, mode and role.

Valid input the service still refuses for a rule no JSON schema states (give exactly one of
``customer_id`` or ``customer``; a unit's parent must exist; a version must be current)
answers 422 or 409; positive data acceptance therefore also accepts 422, and says so here.

(schemathesis' own pytest plugin, ``from_fixture``, breaks on pytest 9's node ids; the
operations are driven here with its documented ``as_strategy``.)
"""

from __future__ import annotations

import contextlib
import os
from collections import Counter

import hypothesis
import hypothesis.errors
import pytest
import schemathesis
from fastapi.testclient import TestClient
from schemathesis import APIOperation, GenerationMode
from sqlalchemy.orm import Session, sessionmaker

from telcodesk.db import unit_of_work
from telcodesk.org import service as org
from tests.factories import World, hq_admin

MAX_EXAMPLES = int(os.environ.get("TELCODESK_SCHEMATHESIS_EXAMPLES", "8"))
# Rules the schema cannot state refuse valid-looking input with 422 (see the docstring).
POSITIVE_OK = ["2xx", "401", "403", "404", "409", "422", "423", "429"]
CONFIG = schemathesis.Config.from_dict(
    {"checks": {"positive_data_acceptance": {"expected-statuses": POSITIVE_OK}}}
)
BOUNDED = hypothesis.settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(hypothesis.HealthCheck),
    database=None,
    phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
)


def _failure_lines(exc: BaseException) -> list[str]:
    failures = exc.exceptions if isinstance(exc, BaseExceptionGroup) else (exc,)
    lines = []
    for f in failures:
        title = getattr(f, "title", type(f).__name__)
        message = str(getattr(f, "message", f)).strip().splitlines()
        lines.append(f"{title}: {' / '.join(message[:3])}"[:300])
    return lines


def bearer(client: TestClient, username: str) -> dict[str, str]:
    """A fresh API token, opened directly: fuzzing the login route may lock the account."""
    with client.app.state.db.uow() as session:  # type: ignore[attr-defined]
        staff = org.get_staff_by_username(session, username)
        return {"Authorization": f"Bearer {org.open_session(session, staff, kind='api', hours=1)}"}


class Run:
    """One role's run: examples per operation, failures ('operation [mode]: failure') with
    their count, statuses answered."""

    def __init__(self, client: TestClient, username: str) -> None:
        self.client, self.username = client, username
        self.headers = bearer(client, username)
        self.examples: Counter[str] = Counter()
        self.failures: Counter[str] = Counter()
        self.statuses: Counter[int] = Counter()

    def operation(self, operation: APIOperation, mode: GenerationMode) -> None:
        # Revoking the token turns every later request into a 401: it signs in anew each time.
        revokes = operation.definition.raw.get("operationId") == "auth_revoke"
        where = f"{operation.label} [{mode.value}]"

        @BOUNDED
        @hypothesis.given(case=operation.as_strategy(generation_mode=mode))
        def exercise(case: schemathesis.Case) -> None:
            self.examples[operation.label] += 1
            try:
                response = case.call(headers=self.headers)
            except Exception as exc:  # raised through the ASGI app: a server error
                self.failures[f"{where}: raised {exc!r:.200}"] += 1
                return
            finally:
                if revokes:
                    self.headers = bearer(self.client, self.username)
            self.statuses[response.status_code] += 1
            try:
                case.validate_response(response, headers=self.headers)
            except (AssertionError, BaseExceptionGroup) as exc:
                for line in _failure_lines(exc):
                    self.failures[f"{where}: {line}"] += 1

        # Unsatisfiable: nothing to make invalid (no parameters, no body).
        with contextlib.suppress(hypothesis.errors.Unsatisfiable):
            exercise()


def run_schema(client: TestClient, username: str) -> Run:
    api = schemathesis.openapi.from_asgi("/openapi.json", client.app, config=CONFIG)
    run = Run(client, username)
    for result in api.get_all_operations():
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            run.operation(result.ok(), mode)
    return run


def report(role: str, run: Run) -> str:
    examples, failures, statuses = run.examples, run.failures, run.statuses
    lines = [
        f"schemathesis as {role}: {len(examples)} operations, "
        f"{sum(examples.values())} requests, {sum(failures.values())} failing; statuses "
        + ", ".join(f"{code}×{n}" for code, n in sorted(statuses.items()))
    ]
    lines += [f"  {n:>4} × {what}" for what, n in sorted(failures.items())]
    return "\n".join(lines)


@pytest.mark.parametrize("role", ["hq_admin", "agent"])
def test_api_conforms(
    client: TestClient, world: World, role: str, factory: sessionmaker[Session]
) -> None:
    # HQ admin: every permission in every region; the agent: a city's hotline seat.
    with unit_of_work(factory) as session:
        staff = hq_admin(session) if role == "hq_admin" else world.agent
        username = staff.username
    run = run_schema(client, username)
    text = report(role, run)
    print(text)
    assert len(run.examples) >= 40, text  # every operation ran
    assert not run.failures, text
