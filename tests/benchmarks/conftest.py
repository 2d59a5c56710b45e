"""Benchmarks: server time of the busiest pages, printed (``-s``) and kept in var/bench-results.txt.

Run with ``make bench`` (``pytest tests/benchmarks -m benchmark -s``) on PostgreSQL; ``make test``
leaves them out (``-m "not benchmark"``).
"""

import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from django.conf import settings
from django.db import connection
from django.test import RequestFactory
from django.test.client import ClientHandler
from django.test.utils import CaptureQueriesContext

RESULTS = settings.VAR_DIR / "bench-results.txt"
RUNS = 5


@pytest.fixture(scope="session")
def report() -> Callable[[str], None]:
    """Print lines (below pytest's test id) and append them to var/bench-results.txt.

    The file is started afresh for each run.
    """
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(f"# make bench, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC\n")

    def _report(line: str) -> None:
        print(f"\n{line}")
        with RESULTS.open("a") as results:
            results.write(line + "\n")

    return _report


@pytest.fixture
def require_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("The benchmarks run on PostgreSQL (make bench sets DATABASE_URL).")


def time_get(client, url: str, runs: int = RUNS) -> tuple[float, int, int]:
    """Serve ``url`` once to warm up, then ``runs`` times: (median ms, queries of one run, bytes).

    Requests go straight through the test client's handler with ``client``'s session cookie:
    the whole middleware stack, without ``Client.request``'s per-template context recording
    (which costs more than the page itself on pages rendering a thousand partials). Fails
    unless every answer is a 200, so a missing or broken page is never timed.
    """
    handler = ClientHandler()
    cookie = "; ".join(f"{name}={morsel.value}" for name, morsel in client.cookies.items())

    def serve() -> int:
        environ = RequestFactory().get(url, HTTP_COOKIE=cookie).environ
        response = handler(environ)
        assert response.status_code == 200, f"GET {url} answered {response.status_code}"
        return len(response.content)

    serve()
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        size = serve()
        timings.append((time.perf_counter() - started) * 1000)
    with CaptureQueriesContext(connection) as queries:
        serve()
    return statistics.median(timings), len(queries), size
