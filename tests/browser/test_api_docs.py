"""``/api/v1/docs``: the vendored Swagger UI renders every operation of the document, offline
(any request leaving the live server is refused and counted) and under the app's strict
Content-Security-Policy (no eval, no inline script), with DEBUG on and off."""

import pytest
from django.utils.csp import CSP
from playwright.sync_api import expect

from bookings.api.openapi import OPERATIONS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RECORD_VIOLATIONS = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.cspViolations.push(event.violatedDirective + " " + event.blockedURI);
});
"""


@pytest.fixture
def strict_csp(settings):
    """The production policy (no ``unsafe-eval``, which only DEBUG at start-up adds)."""
    settings.SECURE_CSP = {**settings.SECURE_CSP, "script-src": [CSP.SELF]}


def test_the_docs_render_every_operation_offline_under_the_policy(live_server, page, strict_csp):
    outside, problems = [], []

    def only_the_live_server(route):
        if route.request.url.startswith(live_server.url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", only_the_live_server)
    page.add_init_script(RECORD_VIOLATIONS)
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on(
        "console",
        lambda message: (
            problems.append(message.text)
            if message.type == "error" or "Content Security Policy" in message.text
            else None
        ),
    )

    response = page.goto(f"{live_server.url}/api/v1/docs")

    assert response.status == 200
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("appointments API")
    blocks = page.locator(".opblock")
    expect(blocks).to_have_count(len(OPERATIONS))
    for op in OPERATIONS:
        block = page.locator(f".opblock-{op.method}", has_text=op.path.split("{")[0])
        expect(block.first).to_be_visible()
    expect(page.locator(".btn.authorize")).to_be_visible()  # the X-API-KEY scheme

    book = page.locator(".opblock-post", has_text="/appointments/booking/book")
    book.locator(".opblock-summary").click()
    expect(book.locator(".responses-table")).to_contain_text("409")
    page.wait_for_load_state("networkidle")
    assert outside == []
    assert problems + page.evaluate("window.cspViolations") == []
