"""Benchmarks: server time of the busiest pages, printed (``-s``) and kept in var/bench-results.txt.

Run with ``make bench`` (``pytest tests/benchmarks -m benchmark -s``) on PostgreSQL; ``make test``
leaves them out (``-m "not benchmark"``).
"""

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from django.conf import settings
from django.db import connection
from django.test import RequestFactory
from django.test.client import ClientHandler
from django.test.utils import CaptureQueriesContext

RESULTS = settings.VAR_DIR / "bench-results.txt"
RUNS = 20


@pytest.fixture(scope="session")
def report() -> Callable[[str], None]:
    """Print lines (below pytest's test id) and append them to var/bench-results.txt.

    The file is started afresh by the PostgreSQL run; the SQLite run adds to it.
    """
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    header = f"# make bench on {connection.vendor}, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC\n"
    if connection.vendor == "postgresql":
        RESULTS.write_text(header)
    else:  # the SQLite run comes second and adds to the PostgreSQL figures
        with RESULTS.open("a") as results:
            results.write(header)

    def _report(line: str) -> None:
        print(f"\n{line}")
        with RESULTS.open("a") as results:
            results.write(line + "\n")

    return _report


@pytest.fixture
def require_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("The benchmarks run on PostgreSQL (make bench sets DATABASE_URL).")


@dataclass(frozen=True)
class Timing:
    """Server time of one page over ``RUNS`` runs, with the queries and size of one answer."""

    p50: float
    p95: float
    queries: int
    size: int
    cpu_p50: float = 0.0  # the test process's own CPU time (not the database's): shared
    # machines slow the wall clock down, much less the CPU time a page costs

    def line(self, page: str) -> str:
        return (
            f"{page}: p50 {self.p50:.0f} ms, p95 {self.p95:.0f} ms over {RUNS} runs "
            f"(CPU p50 {self.cpu_p50:.0f} ms), {self.queries} queries, "
            f"{self.size / 1024:,.0f} KB of HTML"
        )


def time_get(client, url: str, runs: int = RUNS) -> Timing:
    """Serve ``url`` once to warm up, then ``runs`` times: p50 and p95 in ms, the queries of one
    run and the answer's size.

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
    timings, cpu = [], []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        size = serve()
        timings.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    with CaptureQueriesContext(connection) as queries:
        serve()
    p95 = statistics.quantiles(timings, n=20, method="inclusive")[-1]
    return Timing(
        statistics.median(timings), p95, len(queries), size, cpu_p50=statistics.median(cpu)
    )
