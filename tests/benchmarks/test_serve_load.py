"""Load check of ``make serve``: gunicorn (workers from the core count, as gunicorn.conf.py sets
them) on PostgreSQL with its default ``max_connections``, 100 requests at once.

No answer may be a 500 (the probe saw 43 "too many clients" errors under runserver with kept
connections), and afterwards the open connections are the pool: at most one per worker.
"""

import logging
import os
import secrets
import socket
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from django.db import connection

pytestmark = [pytest.mark.benchmark, pytest.mark.django_db]

ROOT = Path(__file__).resolve().parents[2]
CONCURRENT = 100
# Behind the documented proxy: it says the client came over HTTPS.
HEADERS = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "198.51.100.7"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def connections_to(database: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [database],
        )
        return cursor.fetchone()[0]


@pytest.fixture
def gunicorn(require_postgresql):
    """``make serve``'s command against the test database; yields (base URL, workers)."""
    settings_dict = connection.settings_dict
    database_url = (
        f"postgres://{settings_dict['USER']}@{settings_dict['HOST']}:{settings_dict['PORT']}"
        f"/{settings_dict['NAME']}"
    )
    port = free_port()
    workers = (os.cpu_count() or 1) * 2 + 1
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DATABASE_URL": database_url,
        "ALLOWED_HOSTS": "127.0.0.1",
        "TRUSTED_PROXY_COUNT": "1",
        "BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": str(workers),
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "--config", "gunicorn.conf.py"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{base}/healthz", timeout=2)
                break
            except httpx.TransportError:
                assert server.poll() is None, server.stderr.read()
                assert time.monotonic() < deadline, "gunicorn did not start within 60 s"
                time.sleep(0.3)
        yield base, workers
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_100_concurrent_requests_against_gunicorn_give_no_500_and_keep_the_pool(gunicorn, report):
    base, workers = gunicorn
    logging.getLogger("httpx").setLevel(logging.WARNING)  # not a line per request
    database = connection.settings_dict["NAME"]
    with connection.cursor() as cursor:
        cursor.execute("SHOW max_connections")
        max_connections = int(cursor.fetchone()[0])
    paths = ["/healthz", "/accounts/login/", "/calendar/week/", "/static/css/app.css"]

    def fetch(number: int) -> tuple[int, float]:
        started = time.perf_counter()
        response = httpx.get(f"{base}{paths[number % len(paths)]}", headers=HEADERS, timeout=60)
        return response.status_code, (time.perf_counter() - started) * 1000

    with ThreadPoolExecutor(max_workers=CONCURRENT) as pool:
        answers = list(pool.map(fetch, range(CONCURRENT)))
    peak_after = connections_to(database)

    statuses = sorted({status for status, _ in answers})
    timings = sorted(ms for _, ms in answers)
    p95 = timings[int(len(timings) * 0.95) - 1]
    report(
        f"gunicorn x{workers}, {CONCURRENT} concurrent: p50 {statistics.median(timings):.0f} ms, "
        f"p95 {p95:.0f} ms, statuses {statuses}, open connections after {peak_after} "
        f"(max_connections {max_connections})"
    )
    assert all(status < 500 for status, _ in answers), statuses
    assert set(statuses) <= {200, 302}
    assert peak_after <= workers  # one kept connection per worker, nothing leaked
