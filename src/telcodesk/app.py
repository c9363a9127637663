"""The FastAPI application: API, console, error mapping, and the embedded worker."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import IntegrityError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from telcodesk import __version__
from telcodesk.audit.api import router as audit_router
from telcodesk.config import Settings, get_settings
from telcodesk.customers.api import router as customers_router
from telcodesk.db import create_db_engine, make_session_factory, require_migrated
from telcodesk.deps import Database
from telcodesk.errors import DomainError
from telcodesk.notify.api import router as notify_router
from telcodesk.org.admin_api import router as org_admin_router
from telcodesk.org.api import router as auth_router
from telcodesk.routing.api import router as routing_router
from telcodesk.sla.api import router as sla_router
from telcodesk.web.account_views import router as account_console_router
from telcodesk.web.admin_views import router as admin_console_router
from telcodesk.web.csrf import CSRFMiddleware
from telcodesk.web.customer_views import router as customer_console_router
from telcodesk.web.notify_views import router as notify_console_router
from telcodesk.web.routing_views import router as routing_console_router
from telcodesk.web.sla_views import router as sla_console_router
from telcodesk.web.views import LoginRequired
from telcodesk.web.views import router as console_router
from telcodesk.worker import Worker
from telcodesk.workorders.api import router as orders_router
from telcodesk.workorders.export_api import router as export_router

log = logging.getLogger("telcodesk")
STATIC_DIR = Path(__file__).parent / "web" / "static"


def error(status: int, code: str, zh: str, en: str, details: Any = None) -> JSONResponse:
    body: dict[str, Any] = {"code": code, "message_zh": zh, "message_en": en}
    if details is not None:
        body["details"] = details
    return JSONResponse(body, status_code=status)


def create_app(settings: Settings | None = None, *, run_worker: bool = False) -> FastAPI:
    settings = settings or get_settings()
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
    )
    app.state.settings = settings
    app.state.db = db
    app.state.worker = worker

    # Console forms need the CSRF token (CD-2); added first, so the body limit below runs before.
    app.add_middleware(CSRFMiddleware, settings=settings)

    @app.middleware("http")
    async def limit_body(request: Request, call_next: Any) -> Response:
        length = request.headers.get("content-length")
        if length and (not length.isdigit() or int(length) > settings.max_body_bytes):
            return error(413, "body_too_large", "请求体过大", "Request body too large")
        response: Response = await call_next(request)
        return response

    @app.exception_handler(LoginRequired)
    async def login_required(_: Request, exc: LoginRequired) -> Response:
        return RedirectResponse(exc.location, status_code=303)  # login or password change

    @app.exception_handler(DomainError)
    async def domain_error(_: Request, exc: DomainError) -> JSONResponse:
        return JSONResponse(exc.to_dict(), status_code=exc.status)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]} for e in exc.errors()]
        if any(e["type"] == "json_invalid" for e in errors):
            return error(
                400, "malformed_json", "请求体不是合法的 JSON", "Malformed JSON body", errors
            )
        return error(422, "validation_error", "输入数据不合法", "Invalid input", errors)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 404:
            return error(404, "not_found", "资源不存在", "Not found")
        if exc.status_code == 405:
            return error(405, "method_not_allowed", "不支持该请求方法", "Method not allowed")
        return error(exc.status_code, f"http_{exc.status_code}", str(exc.detail), str(exc.detail))

    @app.exception_handler(IntegrityError)
    async def integrity_error(_: Request, exc: IntegrityError) -> JSONResponse:
        log.warning("integrity error: %s", exc.orig)
        return error(409, "integrity_conflict", "数据冲突，请重试", "Conflicting data; retry")

    @app.exception_handler(OperationalError)
    async def db_unavailable(_: Request, exc: OperationalError) -> JSONResponse:
        log.error("database error: %s", exc.orig)
        return error(
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
    ):
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    return app


def app_factory() -> FastAPI:
    """Entry point for uvicorn (``--factory``): settings from the environment."""
    settings = get_settings()
    return create_app(settings, run_worker=settings.embedded_worker)
