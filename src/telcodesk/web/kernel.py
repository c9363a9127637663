"""The console kernel: one place for rendering a page, the signed-in staff member, the page
language, form helpers and the one HTML answer to a `DomainError` (an error page with the
error's status and its message in the page's language), so views need no try/except for
errors they would only show as a page. Views that keep a form's input on an error still catch
it and re-render their form with ``failure``."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, unquote

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from markupsafe import Markup
from pydantic import ValidationError

from telcodesk import clock
from telcodesk.customers import masking
from telcodesk.deps import CSRF_FIELD, SettingsDep, console_staff_or_none
from telcodesk.errors import DomainError, input_error
from telcodesk.org import permissions
from telcodesk.org import service as org
from telcodesk.org.models import Staff
from telcodesk.org.permissions import Permission
from telcodesk.org.roles import ROLE_LABELS
from telcodesk.web.i18n import LANGS, TEXTS, pick, text
from telcodesk.web.words import VOCABULARIES, region, word
from telcodesk.workorders import rules

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
templates.env.filters["deadline"] = lambda dt: clock.deadline_text(dt) if dt else ""
templates.env.filters["localtime"] = lambda dt: (
    clock.local(dt).strftime("%Y-%m-%d %H:%M") if dt else ""
)
templates.env.filters.update(word=word, region=region)


def relative(dt: datetime, lang: str, now: datetime | None = None) -> str:
    """How long ago, as people say it (issue 9 item 6): 刚刚 / 3 分钟前 / 3 小时前 / 2 天前."""
    seconds = max(0, int(((now or clock.now()) - dt).total_seconds()))
    zh = lang == "zh"
    for size, unit_zh, unit_en in (
        (86400, "天", "day"),
        (3600, "小时", "hour"),
        (60, "分钟", "minute"),
    ):
        n = seconds // size
        if n:
            return f"{n} {unit_zh}前" if zh else f"{n} {unit_en}{'s' if n > 1 else ''} ago"
    return "刚刚" if zh else "just now"


def ago(dt: datetime | None, lang: str = "zh") -> Markup:
    """A time as "3 小时前", the exact time on hover; console.js keeps it current."""
    if dt is None:
        return Markup("")
    exact = clock.local(dt).strftime("%Y-%m-%d %H:%M")
    return Markup('<time class="ago" datetime="{}" title="{}">{}</time>').format(
        dt.isoformat(), exact, relative(dt, lang)
    )


templates.env.filters["ago"] = ago  # codes as words (web/words.py)
templates.env.globals["vocabularies"] = VOCABULARIES
templates.env.globals.update(
    rules=rules, pick=pick, can=permissions.can, P=Permission, role_labels=ROLE_LABELS
)
# Every console template shows customers through these filters (CD-2).
templates.env.filters.update(
    mask_name=masking.mask_name,
    mask_phone=masking.mask_phone,
    mask_id_number=masking.mask_id_number,
    mask_address=masking.mask_address,
)


class LoginRequired(Exception):
    """Raised by console pages without a valid session; answered with a redirect to /login."""

    location = "/login"


class PasswordChangeRequired(LoginRequired):
    """The password has expired: the console asks for a new one before anything else (CD-2)."""

    location = "/console/account/password"


def console_staff(
    request: Request,
    staff: Annotated[Staff | None, Depends(console_staff_or_none)],
    settings: SettingsDep,
) -> Staff:
    if staff is None:
        raise LoginRequired()
    if org.password_expired(staff, settings):
        raise PasswordChangeRequired()
    request.state.staff = staff  # the error page shows who is signed in
    return staff


ConsoleStaff = Annotated[Staff, Depends(console_staff)]


def lang_of(request: Request) -> str:
    lang = request.cookies.get("td_lang", "zh")
    return lang if lang in LANGS else "zh"


NOTICE_COOKIE = "td_notice"


def render(
    request: Request, name: str, staff: Staff | None = None, status: int = 200, **ctx: Any
) -> HTMLResponse:
    lang = lang_of(request)
    ctx.update(request=request, staff=staff, lang=lang, t=lambda key: text(key, lang))
    said = request.cookies.get(NOTICE_COOKIE)
    if said and not request.headers.get("HX-Request"):  # a whole page shows it, once
        ctx.setdefault("notice", unquote(said)[:200])
    response = templates.TemplateResponse(request, name, ctx, status_code=status)
    if said and "notice" in ctx:
        response.delete_cookie(NOTICE_COOKIE, path="/")
    return response


def done(request: Request, url: str, zh: str, en: str) -> RedirectResponse:
    """A console form that succeeded: POST-redirect-GET (F5 does not send it again), and the
    page it lands on says what was done, once, in the page's language (issue 9)."""
    response = RedirectResponse(url, status_code=303)
    said = zh if lang_of(request) == "zh" else en
    response.set_cookie(
        NOTICE_COOKIE,
        quote(said[:200]),
        max_age=120,
        path="/",
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )
    return response


# A form field's name on the page, where it differs from its console text key (web/i18n.py).
FIELD_TEXT = {
    "customer_phone": "phone",
    "category_code": "category",
    "city_code": "city",
    "message": "message",
    "resolve_now": "resolve_now",
}


def field_name(loc: list[str], lang: str) -> str:
    """The field a form error is about, by its label on the page (联系电话, not phone)."""
    for name in ("_".join(loc[-2:]), loc[-1] if loc else ""):  # customer.name → customer_name
        key = FIELD_TEXT.get(name, name)
        if key in TEXTS:
            return text(key, lang)
    return loc[-1] if loc else ""


def error_text(exc: DomainError | ValidationError, lang: str) -> str:
    """A failure for the page: a form's bad fields by their labels, in the page's language,
    never a pattern or pydantic's wording (issue 9); a domain error's own message."""
    if isinstance(exc, DomainError):
        return exc.message_zh if lang == "zh" else exc.message_en
    items = [input_error(e) for e in exc.errors()][:3]
    if lang == "zh":
        return "；".join(f"{field_name(e['loc'], lang)}：{e['msg_zh']}" for e in items)
    return "; ".join(f"{field_name(e['loc'], lang)}: {_english(e)}" for e in items)


def _english(error: dict[str, Any]) -> str:
    if error["type"] == "string_pattern_mismatch":
        return "is not in the expected format"
    if error["type"] == "missing":
        return "is required"
    return str(error["msg"]).removeprefix("Value error, ")


async def form_fields(request: Request) -> dict[str, str]:
    """A console form's filled-in fields, trimmed (the CSRF token is the middleware's)."""
    form = await request.form()
    return {k: str(v).strip() for k, v in form.items() if k != CSRF_FIELD and str(v).strip()}


def failure(request: Request, exc: DomainError | ValidationError) -> tuple[str, int]:
    """The message for the page and its status: a domain error's own, 422 for bad input."""
    return error_text(exc, lang_of(request)), exc.status if isinstance(exc, DomainError) else 422


CONSOLE_PREFIXES = ("/console", "/login", "/logout")


def is_console(request: Request) -> bool:
    return request.url.path == "/" or request.url.path.startswith(CONSOLE_PREFIXES)


def error_page(request: Request, exc: DomainError) -> HTMLResponse:
    """The console's answer to a domain error no view handled: its status, its code and its
    message (the page's language first, the other beside it)."""
    staff = getattr(request.state, "staff", None)
    lang = lang_of(request)
    heading = error_text(exc, lang)
    other = exc.message_en if lang == "zh" else exc.message_zh
    name = "_error.html" if request.headers.get("HX-Request") else "error.html"  # htmx: in place
    return render(
        request, name, staff, status=exc.status, heading=heading, other=other, code=exc.code
    )


def refusal_page(request: Request, status: int, body: dict[str, Any]) -> HTMLResponse:
    """A refusal the middleware gives before any route runs (input guard, CSRF: ``body`` is
    the API's error body), as the console's error page: same status, code and messages."""
    exc = DomainError(body["message_zh"], body["message_en"], code=body["code"])
    exc.status = status
    return error_page(request, exc)
