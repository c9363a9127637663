"""The API documentation renders without internet (issue 9 item 6): Swagger UI at /docs and
ReDoc at /redoc load only the app's own vendored assets (web/static/vendor). The browser is
cut off from everything but the app: a request elsewhere is refused and fails the test."""

from __future__ import annotations

from typing import Any

from tests.web.test_browser import browser, server  # noqa: F401  (fixtures, and the skip mark)
from tests.web.test_browser import pytestmark as browser_marks

pytestmark = browser_marks
REDOC_BADGE = "https://cdn.redoc.ly/redoc/logo-mini.svg"


def _offline_page(browser: Any, server: str) -> tuple[Any, list[str]]:  # noqa: F811
    page = browser.new_page()
    elsewhere: list[str] = []

    def only_the_app(route: Any) -> None:
        if route.request.url.startswith(server):
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    page.route("**/*", only_the_app)
    return page, elsewhere


def test_swagger_ui_and_redoc_render_offline(browser: Any, server: str) -> None:  # noqa: F811
    page, elsewhere = _offline_page(browser, server)
    try:
        page.goto(f"{server}/docs")
        title = page.wait_for_selector(".swagger-ui .info .title", timeout=60_000)
        assert title is not None and "telcodesk" in title.inner_text()
        page.wait_for_selector(".opblock-tag", timeout=60_000)  # the operations are listed

        page.goto(f"{server}/redoc")
        heading = page.wait_for_selector("h1", timeout=60_000)
        assert heading is not None and "telcodesk" in heading.inner_text()
        # Nothing else from a CDN or any other site: ReDoc's own "by Redocly" badge image is
        # the one outside request in its bundle, and it hides itself when unreachable.
        assert set(elsewhere) <= {REDOC_BADGE}, elsewhere
    finally:
        page.close()
