"""Data scope over every route, generated from the route table (CD-2): an endpoint added
later without a scope rule here fails this test until someone decides how it is scoped.

For every route that names an order or a customer, a city agent asking about another city's
record gets 404, exactly as for a record that does not exist; list endpoints return only
in-scope rows; everything else is listed with why it needs no scope check.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from telcodesk.db import unit_of_work
from telcodesk.workorders import service as orders
from telcodesk.workorders.schemas import OrderCreate
from tests.conftest import console_login, login
from tests.factories import World

_KB_WRITE = "404 out of region, 403 outside the editor's"
# Routes that name no order or customer, and why they need no regional check.
UNSCOPED: dict[str, str] = {
    "GET /healthz": "liveness, no data",
    "GET /openapi.json": "API description",
    "GET /docs": "API description",
    "GET /docs/oauth2-redirect": "API description",
    "GET /redoc": "API description",
    "GET /": "redirect",
    "GET /login": "login page",
    "POST /login": "login",
    "POST /logout": "logout",
    "GET /lang/{lang}": "language cookie",
    "POST /api/v1/auth/token": "login",
    "GET /api/v1/auth/me": "own account",
    "POST /api/v1/auth/revoke": "own token",
    "GET /api/v1/categories": "reference data",
    "GET /api/v1/closure-codes": "reference data",
    "GET /api/v1/calendar/status": "reference data",
    "GET /api/v1/calendar/overrides": "reference data",
    "PUT /api/v1/calendar/overrides/{day}": "admins only (EDIT_CALENDAR)",
    "DELETE /api/v1/calendar/overrides/id/{override_id}": "admins only (EDIT_CALENDAR)",
    "GET /api/v1/sla/policies": "reference data",
    "PUT /api/v1/sla/policies/{code}": "admins only",
    "POST /api/v1/orders": "creates in the caller's own name; customer_id is scope-checked",
    "POST /api/v1/customers": "creates in a city of the caller's region (checked in the service)",
    "GET /api/v1/audit": "auditors only; filtered to the auditor's region in the service",
    "GET /api/v1/org/units": "filtered to the caller's scope in the service",
    "PUT /api/v1/org/units/{code}": "admins only; parent checked against scope",
    "GET /api/v1/org/staff": "admins only; filtered to scope",
    "POST /api/v1/org/staff": "admins only; unit checked against scope",
    "PUT /api/v1/org/staff/{username}/skills": "admins only",
    "POST /api/v1/org/units/import": "admins only",
    "POST /api/v1/org/staff/import": "admins only",
    # Account administration: another region's account answers 404 (test_write_scope.py).
    "POST /api/v1/org/staff/{username}/disable": "admins only; 404 out of scope",
    "POST /api/v1/org/staff/{username}/enable": "admins only; 404 out of scope",
    "POST /api/v1/org/staff/{username}/unlock": "admins only; 404 out of scope",
    "POST /api/v1/org/staff/{username}/password": "admins only; 404 out of scope",
    "PUT /api/v1/org/staff/{username}/unit": "admins only; 404 out of scope, 403 for a unit",
    "POST /console/admin/org/staff/{username}/{action}": "admins only; 404 out of scope",
    "GET /console/orders/new": "form",
    "POST /console/orders/new": "creates in the caller's own name",
    "GET /console/admin/sla": "reference data",
    "POST /console/admin/sla": "admins only",
    "GET /console/admin/calendar": "reference data",
    "POST /console/admin/calendar": "admins only",
    "POST /console/admin/calendar/{override_id}/delete": "admins only",
    "GET /console/admin/calendar/banner": "reference data",
    "GET /console/audit": "auditors only; filtered in the service",
    "GET /console/admin/org": "admins only; filtered to scope",
    "POST /console/admin/org/units": "admins only",
    "POST /console/admin/org/staff": "admins only",
    "POST /console/admin/org/import": "admins only",
    # Accounts and integration tokens (CD-2).
    "POST /api/v1/auth/password": "own account",
    "POST /api/v1/auth/integration-tokens": "admins only; account checked against scope",
    "GET /api/v1/auth/integration-tokens": "admins only; filtered to scope",
    "DELETE /api/v1/auth/integration-tokens/{token_id}": "admins only; 404 out of scope",
    "PUT /api/v1/staff/{username}/role": "admins only; account checked against scope",
    "GET /console/account/password": "own account",
    "POST /console/account/password": "own account",
    "GET /console/admin/tokens": "admins only; filtered to scope",
    "POST /console/admin/tokens": "admins only; account checked against scope",
    "POST /console/admin/tokens/{token_id}/revoke": "admins only; 404 out of scope",
    # Dispatch rules (CC-1).
    "GET /api/v1/dispatch/rules": "reference data",
    "PUT /api/v1/dispatch/rules/{code}": "admins only",
    "GET /console/admin/dispatch": "reference data",
    "POST /console/admin/dispatch": "admins only",
    # Notifications: a person sees and marks only their own (the recipient is the scope).
    "GET /api/v1/notifications": "own notifications",
    "GET /api/v1/notifications/unread-count": "own notifications",
    "POST /api/v1/notifications/{notification_id}/read": "own; another's answers 404",
    "POST /api/v1/notifications/read-all": "own notifications",
    "GET /api/v1/notifications/preferences": "own preferences",
    "PUT /api/v1/notifications/preferences": "own preferences",
    "GET /console/notifications": "own notifications",
    "GET /console/notifications/bell": "own notifications",
    "POST /console/notifications/{notification_id}/open": "own; another's answers 404",
    "POST /console/notifications/{notification_id}/read": "own; another's answers 404",
    "POST /console/notifications/read-all": "own notifications",
    "GET /console/notifications/preferences": "own preferences",
    "POST /console/notifications/preferences": "own preferences",
    # The outbox and customer message texts (WO-2): admins, checked against their province.
    "POST /api/v1/outbox/replay": "admins only (MANAGE_OUTBOX); 404 out of province",
    "POST /console/admin/outbox/replay": "admins only (MANAGE_OUTBOX); 404 out of province",
    "GET /api/v1/message-templates": "admins only; HQ's and the admin's province's",
    "PUT /api/v1/message-templates/{kind}/{province_code}": "admins only; province checked",
    "DELETE /api/v1/message-templates/{kind}/{province_code}": "admins only; province checked",
    "PUT /api/v1/quiet-hours/{province_code}": "admins only; province checked",
    "GET /console/admin/messages": "admins only; the admin's province",
    "POST /console/admin/messages/template": "admins only; province checked",
    "POST /console/admin/messages/quiet-hours": "admins only; province checked",
    "POST /api/v1/notify/sms/receipts": "the SMS platform, HMAC-signed; no staff data",
    # Business halls (BH-1…BH-3): a hall outside the caller's region answers 404 like an
    # unknown one (tests/halls/test_api.py); public pages carry the hall's or ticket's token.
    "GET /api/v1/halls": "halls of the caller's region only (tests/halls)",
    "GET /api/v1/halls/{hall}": "404 out of region (tests/halls)",
    "GET /api/v1/halls/{hall}/kpis": "hall managers of the region; 404 out of region",
    "POST /api/v1/halls/{hall}/tickets": "404 out of region (tests/halls)",
    "POST /api/v1/halls/{hall}/counters/{counter}/call-next": "404 out of region (tests/halls)",
    "POST /api/v1/halls/{hall}/counters/{counter}/walk-direct": "404 out of region",
    "POST /api/v1/halls/{hall}/counters/{counter}/{move}": "404 out of region (tests/halls)",
    "POST /api/v1/halls/{hall}/tickets/{ticket_id}/{verb}": "404 out of region",
    "POST /api/v1/public/halls/{token}/tickets": "kiosk: one hall by its screen token",
    "GET /api/v1/public/halls/{token}/display": "display: one hall by its token, numbers only",
    "GET /api/v1/public/tickets/{token}": "phone page: one ticket by its own token",
    # Appointments (BH-4): the hall is found by hall_for (404 out of region), the appointment
    # within the hall (tests/halls/test_appointments.py); a customer id is scope-checked.
    "POST /api/v1/halls/{hall}/slots": "hall managers of the region; 404 out of region",
    "GET /api/v1/halls/{hall}/slots": "404 out of region (tests/halls)",
    "POST /api/v1/halls/{hall}/appointments": "404 out of region; customer id scope-checked",
    "GET /api/v1/halls/{hall}/appointments": "404 out of region (tests/halls)",
    "POST /api/v1/halls/{hall}/appointments/{appointment_id}/check-in": "404 out of region",
    "POST /api/v1/halls/{hall}/appointments/{appointment_id}/cancel": "404 out of region",
    "POST /api/v1/public/halls/{token}/check-in": "kiosk: one hall by its screen token",
    "GET /console/halls/{hall}/appointments": "404 out of region",
    # Finishing a visit (item 3): the hall by hall_for (404 out of region), the ticket within
    # it; the customer named is scope-checked by customers (tests/halls/test_visit_links.py).
    "POST /api/v1/halls/{hall}/tickets/{ticket_id}/links/visit": "404 out of region",
    "POST /api/v1/halls/{hall}/tickets/{ticket_id}/links/order": "404 out of region",
    "GET /api/v1/halls/{hall}/tickets/{ticket_id}/links": "404 out of region",
    # The member's phone booking page (BH-4): the hall's token; a texted code proves the number.
    "GET /api/v1/public/halls/{token}/slots": "public: one hall by its token, times only",
    "POST /api/v1/public/halls/{token}/booking-codes": "public: same answer for any number",
    "POST /api/v1/public/halls/{token}/appointments": "public: the member's own number, by code",
    "GET /h/{token}/book": "public page: one hall by its token, times only",
    # Outage fallback (BH-6): the kiosk's calls carry the hall's screen token.
    "POST /api/v1/public/halls/{token}/devices": "kiosk: one hall by its screen token",
    "POST /api/v1/public/halls/{token}/offline": "kiosk: one hall by its token; records keyed",
    "GET /h/{token}/sw.js": "the kiosk's service worker: static script, hall by its token",
    "POST /console/halls/{hall}/appointments/{verb}": "404 out of region",
    "POST /console/halls/{hall}/appointments/{appointment_id}/{verb}": "404 out of region",
    "GET /console/halls": "halls of the caller's region only",
    "GET /console/halls/{hall}/counters/{counter}": "404 out of region",
    "POST /console/halls/{hall}/counters/{counter}/{verb}": "404 out of region",
    "POST /console/halls/{hall}/counters/{counter}/tickets/{ticket_id}/{verb}": "404 out of region",
    "GET /h/{token}/kiosk": "kiosk page: one hall by its screen token",
    "GET /h/{token}/display": "display page: one hall by its token, numbers only",
    "GET /h/{token}/events": "display events: one hall by its token, numbers only",
    "GET /t/{token}": "phone page: one ticket by its own token",
    # Staffing plans and rosters (CC-3): the unit, plan or roster of another region answers
    # 404 (tests/rostering/test_api.py::test_scope_and_permission).
    "POST /api/v1/staffing/units/{unit}/plans": "unit in the caller's region, else 404",
    "GET /api/v1/staffing/units/{unit}/plans": "unit in the caller's region, else 404",
    "GET /api/v1/staffing/plans/{plan_id}": "the plan's unit in the caller's region, else 404",
    "POST /api/v1/staffing/plans/{plan_id}/rosters": "the plan's unit in region, else 404",
    "GET /api/v1/staffing/rosters/{roster_id}": "the roster's unit in region, else 404",
    "GET /console/staffing": "units of the caller's region only",
    "GET /console/halls/{hall}/kpis": "hall managers of the region; 404 out of region",
    "POST /console/staffing/{unit}/plans": "unit in the caller's region, else 404",
    "GET /console/staffing/plans/{plan_id}": "the plan's unit in region, else 404",
    "POST /console/staffing/plans/{plan_id}/rosters": "the plan's unit in region, else 404",
    "GET /console/staffing/rosters/{roster_id}": "the roster's unit in region, else 404",
    # Counter visits (issue 10): the visit's customer is checked against the caller's region
    # in counter.service (404 otherwise; tests/counter/test_transactions.py).
    "POST /api/v1/counter/visits": "customer_id scope-checked in the service (404)",
    "GET /api/v1/counter/visits/{visit_number}": "the visit's customer scope-checked (404)",
    "POST /api/v1/counter/visits/{visit_number}/transactions": "visit's customer checked (404)",
    "POST /api/v1/counter/visits/{visit_number}/sign": "visit's customer checked (404)",
    "POST /api/v1/counter/sms-replies": "the SMS platform, HMAC-signed; answers no customer data",
    "GET /console/counter": "the empty document form",
    "POST /console/counter/lookup": "by document: in-region customers only (find_by_document)",
    "POST /console/counter/visits": "customer_id scope-checked in the service (404)",
    "GET /console/counter/visits/{visit_number}": "the visit's customer scope-checked (404)",
    "POST /console/counter/visits/{visit_number}/transactions": "visit's customer checked (404)",
    "POST /console/counter/visits/{visit_number}/sign": "visit's customer checked (404)",
    "GET /console/counter/visits/{visit_number}/slip": "visit's customer checked (404)",
    "GET /api/v1/counter/visits/{visit_number}/slip.pdf": "visit's customer checked (404)",
    "GET /console/counter/visits/{visit_number}/slip.pdf": "visit's customer checked (404)",
    "GET /console/counter/kpis": "counts only the viewer's region (counter.kpis)",
    # Customer imports by upload: every row's city checked against the importer's region; a
    # job is its starter's own (404 for anyone else, tests/customers/test_import_upload.py).
    "POST /api/v1/customers/imports": "rows outside the importer's region refused row by row",
    "GET /api/v1/customers/imports/{job_id}": "the starter's own job (404 else)",
    "GET /api/v1/customers/imports/{job_id}/errors.csv": "the starter's own job (404 else)",
    "GET /console/customer-imports": "the upload form",
    "POST /console/customer-imports": "rows outside the importer's region refused row by row",
    "GET /console/customer-imports/{job_id}": "the starter's own job (404 else)",
    "GET /console/customer-imports/{job_id}/progress": "the starter's own job (404 else)",
    "GET /console/customer-imports/{job_id}/errors.csv": "the starter's own job (404 else)",
    # Knowledge base (KB-1, KB-2): another region's article or bulletin answers 404 in the
    # service (tests/knowledge/test_api.py probes each route across cities).
    "GET /api/v1/kb/search": "hits only of the caller's region (tests/knowledge/test_api.py)",
    "GET /api/v1/kb/articles/{article}": "404 out of region (tests/knowledge/test_api.py)",
    "PUT /api/v1/kb/articles/{article}": "404 out of region, 403 outside the editor's",
    "POST /api/v1/kb/articles": "region checked against the editor's (403)",
    "POST /api/v1/kb/articles/{article}/revise": "404 out of region, 403 outside the editor's",
    "POST /api/v1/kb/articles/{article}/actions": "404 out of region, 403 outside the editor's",
    "GET /api/v1/kb/articles/{article}/diff": "404 out of region",
    "POST /api/v1/kb/articles/{article}/usage": "404 out of region; the order scope-checked",
    "PUT /api/v1/kb/categories/{code}/approvers": "nationwide reference data: HQ's editors",
    "POST /api/v1/kb/import": "every row's region checked against the editor's (403)",
    "POST /api/v1/kb/bulletins": "region checked against the editor's (403)",
    "POST /api/v1/kb/bulletins/{bulletin_id}/read": "own receipt; another's answers 404",
    "GET /api/v1/kb/bulletins/{bulletin_id}/unread": "editors of the region; 404 else",
    "GET /console/kb": "hits and articles only of the viewer's region (tests/knowledge)",
    "GET /console/kb/new": "form",
    "POST /console/kb/new": "region checked against the editor's (403)",
    "GET /console/kb/usage": "editors only; their region's articles",
    "GET /console/kb/bulletins": "own bulletins, and the editor's region's",
    "POST /console/kb/bulletins": "region checked against the editor's (403)",
    "GET /console/kb/bulletins/{bulletin_id}": "recipients and the region's editors; 404 else",
    "POST /console/kb/bulletins/{bulletin_id}/read": "own receipt; another's answers 404",
    "GET /console/kb/{article}": "404 out of region (tests/knowledge/test_console.py)",
    "GET /console/kb/{article}/diff": "404 out of region",
    "POST /console/kb/{article}/edit": "404 out of region, 403 outside the editor's",
    "POST /console/kb/{article}/revise": "404 out of region, 403 outside the editor's",
    "POST /console/kb/{article}/act/{action}": "404 out of region, 403 outside the editor's",
    "POST /console/kb/{article}/usage": "404 out of region; the order scope-checked",
    # Article files (issue 12 item 1): scoped like the article
    # (tests/knowledge/test_attachments.py).
    "POST /api/v1/kb/articles/{article}/attachments": _KB_WRITE,
    "GET /api/v1/kb/articles/{article}/attachments": "404 out of region",
    "GET /api/v1/kb/articles/{article}/attachments/{attachment_id}": "404 out of region",
    "DELETE /api/v1/kb/articles/{article}/attachments/{attachment_id}": _KB_WRITE,
    "GET /console/kb/{article}/attachments": "404 out of region",
    "POST /console/kb/{article}/attachments": _KB_WRITE,
    "GET /console/kb/{article}/attachments/{attachment_id}": "404 out of region",
    "POST /console/kb/{article}/attachments/{attachment_id}/delete": _KB_WRITE,
    # Work queues (issue 9): lists cut to the caller's scope in worklists.queries.scoped; a
    # view is its owner's or their unit's, else 404; bulk actions check each order as the
    # single action does (404 out of scope) — tests/worklists/test_worklists.py probes them.
    "POST /api/v1/worklist": "a read by body: cut to the caller's scope (tests/worklists)",
    "GET /api/v1/views/{view_id}/orders": "the view applied within the caller's scope only",
    "POST /api/v1/views": "the caller's own view; shared only with their own unit",
    "PUT /api/v1/views/{view_id}": "the owner's only; anyone else's answers 404",
    "DELETE /api/v1/views/{view_id}": "the owner's only; anyone else's answers 404",
    "POST /api/v1/orders/bulk-actions": "each order checked as alone: out of scope refused 404",
    "POST /console/views": "the caller's own view; shared only with their own unit",
    "POST /console/views/{view_id}/delete": "the owner's only; anyone else's answers 404",
    "POST /console/orders/bulk": "each order checked as alone: out of scope refused 404",
    # Reply templates 话术 (issue 9 item 7): by region (tests/knowledge/test_replies.py).
    "GET /api/v1/kb/reply-templates": "the caller's region's only, filtered in the service",
    "POST /api/v1/kb/reply-templates": "region checked against the editor's (403)",
    "GET /api/v1/kb/reply-templates/{template_id}": "404 out of region",
    "PUT /api/v1/kb/reply-templates/{template_id}": _KB_WRITE,
    "POST /api/v1/kb/reply-templates/{template_id}/state": _KB_WRITE,
    "GET /console/kb/replies": "the viewer's region's only, filtered in the service",
    "POST /console/kb/replies": "region checked against the editor's (403)",
    "POST /console/kb/replies/{template_id}/edit": _KB_WRITE,
    "POST /console/kb/replies/{template_id}/state/{state}": _KB_WRITE,
    "GET /console/admin/closure-codes": "reference data (nationwide code lists)",
    "POST /console/admin/closure-codes": "HQ admins only (nationwide lists, set_closure_code)",
}
# List endpoints: the test checks that nothing of the other city comes back.
LISTS = {
    "GET /api/v1/orders",
    "GET /api/v1/customers",
    "GET /api/v1/sla/at-risk",
    "GET /console/orders",
    "GET /console/my",
    "GET /console/sla",
    "GET /console/customers/lookup",
    "GET /api/v1/exports/orders.csv",
    "GET /api/v1/outbox",
    "GET /console/admin/outbox",
    "GET /api/v1/kb/articles",
    "GET /api/v1/kb/export",
    "GET /api/v1/kb/usage",
    "GET /api/v1/kb/bulletins",
    "GET /api/v1/my-orders",
    "GET /api/v1/views",
}
# Bodies that pass validation, so that the scope check (not the validator) answers.
BODIES: dict[str, dict[str, Any]] = {
    "TransitionIn": {
        "version": 1,
        "reason": "原因",
        "message": "答复",
        "handler": "gz.handler",
        "extend_by": 1,
    },
    "NoteIn": {"body": "备注"},
    "OrderEdit": {"version": 1, "reason": "更正登记", "subject": "更正后的标题"},
    "OptOutIn": {"opted_out": True},
    "RevealIn": {"reason": "核实投诉处理进度", "field": "phone"},
    "ShareIn": {"third_party": "招联金融", "reason": "合约机分期审核"},
    "OfferIn": {"offer": "5g_upgrade"},
    "JudicialRevealIn": {
        "reason": "核实投诉处理进度",
        "field": "phone",
        "case_reference": "粤公协查〔2026〕1号",
    },
    "MergeIn": {"duplicate_id": 1, "reason": "重复登记的客户"},
    "CustomerEdit": {"address": "广东省广州市天河区", "reason": "客户搬家"},
    "ConsentIn": {"purpose": "marketing", "granted": True, "evidence": "授权书 1"},
}


def all_routes(routes: list[Any]) -> Iterator[APIRoute]:
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            yield from all_routes(inner.routes)
        elif isinstance(route, APIRoute):
            yield route


def route_keys(client: TestClient) -> list[tuple[str, APIRoute]]:
    keys = []
    for route in all_routes(client.app.routes):  # type: ignore[attr-defined]
        for method in sorted(route.methods - {"HEAD"}):
            keys.append((f"{method} {route.path}", route))
    return keys


@pytest.fixture
def two_cities(factory: sessionmaker[Session], world: World) -> dict[str, Any]:
    """An order and a customer in Guangzhou and in Shenzhen."""
    with unit_of_work(factory) as session:
        gz, _ = orders.register_order(
            session,
            world.agent,
            OrderCreate.model_validate(
                {
                    "type": "complaint",
                    "channel": "hotline",
                    "customer_id": world.customer.id,
                    "subject": "广州",
                }
            ),
        )
        sz, _ = orders.register_order(
            session,
            world.other_city_agent,
            OrderCreate.model_validate(
                {
                    "type": "complaint",
                    "channel": "hall",
                    "customer_id": world.vip.id,
                    "subject": "深圳",
                }
            ),
        )
        return {
            "gz_order": gz.number,
            "sz_order": sz.number,
            "gz_customer": world.customer.id,
            "sz_customer": world.vip.id,
            "sz_phone": world.vip.phone,
        }


def fill(path: str, data: dict[str, Any], city: str) -> str:
    values = {"number": data[f"{city}_order"], "customer_id": str(data[f"{city}_customer"])}
    return re.sub(r"{(\w+)}", lambda m: values.get(m.group(1), m.group(0)), path)


def test_every_route_has_a_scope_rule(client: TestClient) -> None:
    unknown = [
        key
        for key, route in route_keys(client)
        if key not in UNSCOPED
        and key not in LISTS
        and not re.search(r"{(number|customer_id)}", route.path)
    ]
    assert unknown == [], f"decide how these routes are scoped (CD-2): {unknown}"


def test_out_of_scope_records_answer_404_everywhere(
    client: TestClient, world: World, two_cities: dict[str, Any]
) -> None:
    api = login(client, world.agent.username)
    console_login(client, world.agent.username)
    checked = 0
    for key, route in route_keys(client):
        if not re.search(r"{(number|customer_id)}", route.path):
            continue
        method = key.split()[0]
        body_model = route.body_field.field_info.annotation.__name__ if route.body_field else None  # type: ignore[union-attr]
        if body_model and body_model not in BODIES and route.path.startswith("/api/"):
            pytest.fail(f"add a valid sample body for {body_model} ({key})")
        kwargs: dict[str, Any] = {"headers": api} if route.path.startswith("/api/") else {}
        if method in ("POST", "PUT", "PATCH") and body_model:
            kwargs["json"] = BODIES[body_model]
        elif method == "POST" and not route.path.startswith("/api/"):
            kwargs["data"] = {"version": "1", "reason": "原因", "body": "备注", "message": "答复"}
        path = fill(route.path, two_cities, "sz").replace("{action}", "review_valid")
        res = client.request(method, path, **kwargs)
        assert res.status_code == 404, f"{key}: {res.status_code} {res.text[:200]}"
        mine = client.request(
            method, fill(route.path, two_cities, "gz").replace("{action}", "review_valid"), **kwargs
        )
        assert mine.status_code != 404, f"{key} in scope: {mine.status_code} {mine.text[:200]}"
        checked += 1
    assert checked >= 5


def test_lists_hold_only_in_scope_rows(
    client: TestClient, world: World, two_cities: dict[str, Any]
) -> None:
    api = login(client, world.agent.username)
    console_login(client, world.agent.username)
    for key in LISTS:
        method, path = key.split()
        params = {"phone": two_cities["sz_phone"]} if "customers" in path else {}
        res = client.request(
            method, path, params=params, headers=api if path.startswith("/api/") else {}
        )
        assert res.status_code in (200, 403), f"{key}: {res.status_code}"
        assert two_cities["sz_order"] not in res.text, key
        assert "深圳" not in res.text.replace("深圳市", ""), key
