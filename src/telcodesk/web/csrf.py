"""CSRF protection for the console (CD-2: staff act only within their own authorisation, so
another site must not act in their name). A double-submit token:

- every console response sets a random ``td_csrf`` cookie when the browser has none (login
  sets a fresh one);
- a POST, PUT, PATCH or DELETE outside ``/api/`` must send the same value back, as the
  ``csrf_token`` form field (base.html adds it to every form) or the ``X-CSRF-Token`` header
  (htmx, from ``hx-headers`` on <body>); otherwise 403 ``csrf_failed``.

Another site can make the browser send the cookie but cannot read it, so it cannot send the
matching value. ``/api/`` uses bearer tokens; its one cookie path (htmx calls) checks the
header in deps.api_caller.
"""

from __future__ import annotations

import json
import re

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from telcodesk.attachments.rules import upload_limit
from telcodesk.config import Settings
from telcodesk.deps import CSRF_COOKIE, CSRF_FIELD, CSRF_HEADER, CsrfFailed, set_csrf_cookie
from telcodesk.org.security import new_token, tokens_match
from telcodesk.web.input_guard import answer, read_body, replay, too_large
from telcodesk.web.kernel import is_console, refusal_page

EXEMPT_PREFIXES = ("/api/", "/static/")
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{32,64}")


class CSRFMiddleware:
    """Pure ASGI, so that the form body it reads is handed on to the route unchanged."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(EXEMPT_PREFIXES):
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        cookie = request.cookies.get(CSRF_COOKIE)
        known = cookie if cookie and TOKEN_SHAPE.fullmatch(cookie) else None
        token = known or new_token()
        request.state.csrf_token = token  # for the templates
        if known is None:
            send = self._setting_cookie(send, token)
        if scope["method"] in UNSAFE_METHODS:
            supplied = request.headers.get(CSRF_HEADER)
            if supplied is None and request.headers.get("content-type", "").startswith(FORM_TYPES):
                limit = upload_limit(
                    scope["path"],
                    scope["method"],
                    self.settings.attachment_max_bytes,
                    self.settings.max_body_bytes,
                )
                body = await read_body(receive, limit)
                if body is None:
                    refusal = too_large(limit)
                    await answer(scope, refusal, json.loads(bytes(refusal.body)))(
                        scope, receive, send
                    )
                    return
                supplied = await _form_token(scope, body, receive)
                receive = replay(body, receive)
            if not tokens_match(known, supplied):
                await _refusal(request)(scope, receive, send)
                return
        await self.app(scope, receive, send)

    def _setting_cookie(self, send: Send, token: str) -> Send:
        carrier = Response()
        set_csrf_cookie(carrier, self.settings, token)
        header = next(v for k, v in carrier.raw_headers if k == b"set-cookie")

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), (b"set-cookie", header)]
            await send(message)

        return send_with_cookie


async def _form_token(scope: Scope, body: bytes, receive: Receive) -> str | None:
    try:
        async with Request(scope, replay(body, receive)).form() as form:
            value = form.get(CSRF_FIELD)
    except HTTPException:  # a malformed form carries no token
        return None
    return value if isinstance(value, str) else None


def _refusal(request: Request) -> Response:
    """The console's error page on a console path (an htmx call gets the fragment); JSON
    elsewhere (the few other non-API paths are not pages)."""
    error = CsrfFailed()
    if is_console(request):
        return refusal_page(request, error.status, error.to_dict())
    return JSONResponse(error.to_dict(), status_code=error.status)
