"""The FastAPI application: API, console, error mapping, and the embedded worker."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from telcodesk import __version__
from telcodesk.attachments.api import router as attachments_router
from telcodesk.audit.api import router as audit_router
from telcodesk.config import Settings, get_settings
from telcodesk.counter.api import router as counter_router
from telcodesk.customers.api import router as customers_router
from telcodesk.db import create_db_engine, make_session_factory, require_migrated
from telcodesk.deps import Database
from telcodesk.errors import DomainError, input_error, invalid_input
from telcodesk.halls.api import router as halls_router
from telcodesk.knowledge.api import order_router as knowledge_order_router
from telcodesk.knowledge.api import router as knowledge_router
from telcodesk.notify.api import router as notify_router
from telcodesk.openapi_errors import add_error_responses, summarise
from telcodesk.org.admin_api import router as org_admin_router
from telcodesk.org.api import router as auth_router
from telcodesk.rostering.api import router as staffing_router
from telcodesk.routing.api import router as routing_router
from telcodesk.sla.api import router as sla_router
from telcodesk.web.account_views import router as account_console_router
from telcodesk.web.admin_views import router as admin_console_router
from telcodesk.web.attachment_views import router as attachment_console_router
from telcodesk.web.closure_views import router as closure_console_router
from telcodesk.web.counter_views import router as counter_console_router
from telcodesk.web.csrf import CSRFMiddleware
from telcodesk.web.customer_views import router as customer_console_router
from telcodesk.web.hall_kpi_views import router as hall_kpi_console_router
from telcodesk.web.hall_views import router as hall_console_router
from telcodesk.web.input_guard import InputGuard
from telcodesk.web.kernel import LoginRequired, error_page, is_console
from telcodesk.web.knowledge_views import router as knowledge_console_router
from telcodesk.web.notify_views import router as notify_console_router
from telcodesk.web.routing_views import router as routing_console_router
from telcodesk.web.sla_views import router as sla_console_router
from telcodesk.web.staffing_views import router as staffing_console_router
from telcodesk.web.views import router as console_router
from telcodesk.web.worklist_views import router as worklist_console_router
from telcodesk.wiring import wire
from telcodesk.worker import Worker
from telcodesk.worklists.api import router as worklists_router
from telcodesk.workorders.api import router as orders_router
from telcodesk.workorders.export_api import router as export_router

log = logging.getLogger("telcodesk")
# Chinese and English text of the HTTP errors the framework itself raises.
HTTP_TEXT: dict[int, tuple[str, str]] = {
    400: ("请求有误", "Bad request"),
    404: ("资源不存在", "Not found"),
    405: ("不支持该请求方法", "Method not allowed"),
    406: ("无法提供所要求的格式", "Not acceptable"),
    413: ("请求体过大", "Request body too large"),
    415: ("不支持的内容类型", "Unsupported media type"),
}
STATIC_DIR = Path(__file__).parent / "web" / "static"
# Swagger UI and ReDoc, vendored from the npm registry (swagger-ui-dist 5.36.0, redoc 2.5.4).
DOCS_ASSETS = "/static/vendor"


def error(
    request: Request, status: int, code: str, zh: str, en: str, details: Any = None
) -> Response:
    """The one error answer: JSON for the API, the HTML error page for a console page."""
    if is_console(request):
        failure = DomainError(zh, en, code=code, details=details)
        failure.status = status
        return error_page(request, failure)
    body: dict[str, Any] = {"code": code, "message_zh": zh, "message_en": en}
    if details is not None:
        body["details"] = details
    return JSONResponse(body, status_code=status)


def allowed_methods(routes: list[Any], request: Request) -> set[str]:
    """The methods some route (in any included router) answers at the request's path."""
    methods: set[str] = set()
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            methods |= allowed_methods(inner.routes, request)
        elif getattr(route, "methods", None) and route.path_regex.match(request.url.path):
            methods |= set(route.methods)
    return methods


def create_app(settings: Settings | None = None, *, run_worker: bool = False) -> FastAPI:
    settings = settings or get_settings()
    wire()  # the lifecycle reactions: clocks, dispatch, notifications
    engine = create_db_engine(
        settings.database_url,
        sqlite_synchronous=settings.sqlite_synchronous,
        sqlite_write_turn=settings.sqlite_write_turn,
    )
    # Refuse to serve a schema the code does not match.
    require_migrated(engine)
    db = Database(make_session_factory(engine))
    worker = Worker(db.factory, settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if run_worker:
            worker.start_in_thread()
        yield
        worker.stop()
        engine.dispose()

    app = FastAPI(
        title="telcodesk",
        version=__version__,
        description="电信客户服务工单系统 API — work orders for carrier customer service.",
        lifespan=lifespan,
        # The API documentation pages are served below from vendored assets, not a CDN: they
        # render on a carrier's intranet without internet (issue 9 item 6).
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings

    @app.get("/docs", include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="telcodesk API 接口文档",
            swagger_js_url=f"{DOCS_ASSETS}/swagger-ui-5.36.0/swagger-ui-bundle.js",
            swagger_css_url=f"{DOCS_ASSETS}/swagger-ui-5.36.0/swagger-ui.css",
            swagger_favicon_url="/static/favicon.svg",
            oauth2_redirect_url="/docs/oauth2-redirect",
        )

    @app.get("/docs/oauth2-redirect", include_in_schema=False)
    def swagger_ui_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> HTMLResponse:
        return get_redoc_html(
            openapi_url="/openapi.json",
            title="telcodesk API 接口文档",
            redoc_js_url=f"{DOCS_ASSETS}/redoc-2.5.4/redoc.standalone.js",
            redoc_favicon_url="/static/favicon.svg",
            with_google_fonts=False,
        )

    app.state.db = db
    app.state.worker = worker

    # Console forms need the CSRF token (CD-2); added first, so the body limit below runs before.
    app.add_middleware(CSRFMiddleware, settings=settings)

    # Outermost: body size (also chunked) and control characters in path, query and forms.
    app.add_middleware(
        InputGuard,
        max_body_bytes=settings.max_body_bytes,
        upload_max_bytes=settings.attachment_max_bytes,  # attachment uploads only
    )

    @app.exception_handler(LoginRequired)
    async def login_required(_: Request, exc: LoginRequired) -> Response:
        return RedirectResponse(exc.location, status_code=303)  # login or password change

    @app.exception_handler(DomainError)
    async def domain_error(request: Request, exc: DomainError) -> Response:
        if is_console(request):  # the console's one HTML error handler (web/kernel.py)
            return error_page(request, exc)
        return JSONResponse(exc.to_dict(), status_code=exc.status)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        errors = list(exc.errors())
        if any(e["type"] == "json_invalid" for e in errors):
            details = [input_error(e) for e in errors]
            return error(
                request,
                400,
                "malformed_json",
                "请求体不是合法的 JSON",
                "Malformed JSON body",
                details,
            )
        failed = invalid_input(errors)
        if is_console(request):
            return error_page(request, failed)
        return JSONResponse(failed.to_dict(), status_code=failed.status)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        zh, en = HTTP_TEXT.get(exc.status_code, ("请求有误", str(exc.detail)))
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code)
        response = error(request, exc.status_code, code or f"http_{exc.status_code}", zh, en)
        if exc.headers:
            response.headers.update(exc.headers)
        if exc.status_code == 405:  # every method of the path, not only the first route's
            response.headers["Allow"] = ", ".join(sorted(allowed_methods(app.routes, request)))
        return response

    @app.exception_handler(IntegrityError)
    async def integrity_error(request: Request, exc: IntegrityError) -> Response:
        log.warning("integrity error: %s", exc.orig)
        return error(
            request, 409, "integrity_conflict", "数据冲突，请重试", "Conflicting data; retry"
        )

    @app.exception_handler(DataError)
    async def data_error(request: Request, exc: DataError) -> Response:
        # A value the engine refuses (out of range, NUL) that no schema bounded: still bad
        # input, never a 500; logged so the missing bound gets added where it came in.
        log.warning("data error: %s", exc.orig)
        return error(
            request,
            422,
            "invalid_data",
            "数据超出允许范围或含有非法字符",
            "Value out of range or not storable",
        )

    @app.exception_handler(Exception)
    async def server_error(request: Request, exc: Exception) -> Response:
        # A fault of ours, not of the input: still the one error body, never a bare text.
        return error(
            request, 500, "internal_error", "服务器内部错误，请稍后重试", "Internal server error"
        )

    @app.exception_handler(OperationalError)
    async def db_unavailable(request: Request, exc: OperationalError) -> Response:
        log.error("database error: %s", exc.orig)
        return error(
            request,
            503,
            "database_unavailable",
            "数据库暂时不可用，请稍后重试",
            "Database unavailable; retry",
        )

    app.include_router(auth_router)
    app.include_router(orders_router)
    app.include_router(customers_router)
    app.include_router(sla_router)
    app.include_router(console_router)
    app.include_router(sla_console_router)
    for router in (
        export_router,
        routing_router,
        audit_router,
        org_admin_router,
        customer_console_router,
        routing_console_router,
        account_console_router,
        admin_console_router,
        notify_router,
        notify_console_router,
        halls_router,
        hall_console_router,
        counter_router,  # counter transactions (issue 10)
        counter_console_router,
        staffing_router,  # staffing plans and rosters (issue 11, CC-3)
        staffing_console_router,
        hall_kpi_console_router,  # hall KPIs page (issue 11 item 8)
    ):
        app.include_router(router)
    # Knowledge base 信息采编 (KB-1, KB-2).
    app.include_router(knowledge_router)
    app.include_router(knowledge_order_router)  # reply templates on an order (issue 9 item 7)
    app.include_router(knowledge_console_router)
    # Attachments of orders and articles (issue 9 item 7, issue 12 item 1).
    app.include_router(attachments_router)
    app.include_router(attachment_console_router)
    # Work queues: lists, saved views, bulk actions (issue 9).
    app.include_router(worklists_router)
    app.include_router(worklist_console_router)
    app.include_router(closure_console_router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    summarise(app.routes)
    base_openapi = app.openapi
    # Every operation documents the shared error statuses and the one error body.
    app.openapi = lambda: add_error_responses(base_openapi())  # type: ignore[method-assign]
    return app


def app_factory() -> FastAPI:
    """Entry point for uvicorn (``--factory``): settings from the environment."""
    settings = get_settings()
    return create_app(settings, run_worker=settings.embedded_worker)
