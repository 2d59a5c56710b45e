"""Load check of ``make serve``: collectstatic, then gunicorn (``gunicorn.conf.py``, workers from
the core count) on PostgreSQL with its default ``max_connections``, 100 requests at once.

No answer may be a 500 (the probe saw 43 "too many clients" errors under runserver with kept
connections), and the open connections are the pool: at most one per worker during the load,
and the same afterwards.

Nothing here can hang. It once did in CI: without collectstatic every page was a 500 under
``DEBUG=0`` (no manifest of hashed static names; ``make serve`` runs collectstatic now), and
their tracebacks filled the stderr pipe that nobody read, which blocked every worker writing to
it until gunicorn's timeout killed them. Now gunicorn writes to a log file, every wait has a
deadline, every request a timeout, and teardown kills gunicorn's whole process group before the
test database is flushed (and gunicorn stops by itself if this pytest dies).
"""

import contextlib
import ctypes
import logging
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test import Client
from django.urls import reverse

from calendar_app.models import Event
from tests.factories import MembershipFactory, ScheduleFactory, weekly_series

pytestmark = [pytest.mark.benchmark, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
CONCURRENT = 100
STARTUP_SECONDS = 60
STOP_SECONDS = 20
REQUEST_TIMEOUT = httpx.Timeout(20.0)  # connect, read, write and pool wait each
# Behind the documented proxy: it says the client came over HTTPS.
HEADERS = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "198.51.100.7"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# libpq names gunicorn's connections by this (PGAPPNAME), so they can be told from the test's.
APPLICATION_NAME = "dashboard-loadcheck"
COUNT_GUNICORN_CONNECTIONS = (
    "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND application_name = %s"
)


def gunicorn_connections() -> int:
    """gunicorn's open connections to the test database."""
    with connection.cursor() as cursor:
        cursor.execute(
            COUNT_GUNICORN_CONNECTIONS, [connection.settings_dict["NAME"], APPLICATION_NAME]
        )
        return cursor.fetchone()[0]


def tail(log: Path, lines: int = 40) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


PR_SET_PDEATHSIG = 1  # linux/prctl.h


def own_group_ending_with_pytest() -> None:
    """Run in gunicorn's process before it starts: its own process group (killed whole in
    teardown), and SIGTERM when this pytest dies without a teardown (a CI job cancelled, a
    SIGKILL): gunicorn then stops its workers, and nothing is left holding connections."""
    os.setsid()
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def stop(server: subprocess.Popen) -> None:
    """SIGTERM to gunicorn's process group (master and workers), then after at most
    ``STOP_SECONDS`` SIGKILL to whatever of the group is left."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.pid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        server.wait(timeout=STOP_SECONDS)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.pid, signal.SIGKILL)
    server.wait(timeout=STOP_SECONDS)


@pytest.fixture
def owner_session(settings):
    """An owner with a weekly series, logged in: (session cookie header, first occurrence id).

    The session is signed with this test's ``SECRET_KEY``, which gunicorn is given too.
    """
    settings.SECRET_KEY = secrets.token_urlsafe(50)
    membership = MembershipFactory()
    series = weekly_series(ScheduleFactory(business=membership.business))
    occurrence = Event.objects.filter(recurring_event_id=series.id).order_by("start").first()
    client = Client()
    client.force_login(membership.user)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    return f"{django_settings.SESSION_COOKIE_NAME}={cookie}", occurrence.id


@pytest.fixture
def gunicorn(require_postgresql, owner_session, settings, tmp_path):
    """``make serve`` (collectstatic, then gunicorn) against the test database.

    Yields (base URL, workers, log file).
    """
    settings_dict = connection.settings_dict
    database_url = (
        f"postgres://{settings_dict['USER']}@{settings_dict['HOST']}:{settings_dict['PORT']}"
        f"/{settings_dict['NAME']}"
    )
    port = free_port()
    workers = (os.cpu_count() or 1) * 2 + 1  # gunicorn.conf.py's default
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": settings.SECRET_KEY,
        "DATABASE_URL": database_url,
        "ALLOWED_HOSTS": "127.0.0.1",
        "TRUSTED_PROXY_COUNT": "1",
        "STATIC_ROOT": str(tmp_path / "static"),
        "BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": str(workers),
        "PGAPPNAME": APPLICATION_NAME,
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    log = tmp_path / "gunicorn.log"
    with log.open("w") as output:
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            timeout=120,
            check=True,
        )
        server = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "--config", "gunicorn.conf.py"],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            preexec_fn=own_group_ending_with_pytest,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            assert server.poll() is None, f"gunicorn exited:\n{tail(log)}"
            assert time.monotonic() < deadline, f"gunicorn not healthy in time:\n{tail(log)}"
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.3)
        yield base, workers, log
    finally:
        stop(server)
        # Killed workers' connections go away with their sockets; wait (bounded) so that the
        # flush after this test and the test database's drop find no other sessions.
        deadline = time.monotonic() + STOP_SECONDS
        while gunicorn_connections() and time.monotonic() < deadline:
            time.sleep(0.2)


def test_100_concurrent_requests_against_gunicorn_give_no_500_and_keep_the_pool(
    gunicorn, owner_session, report
):
    base, workers, log = gunicorn
    cookie, event_id = owner_session
    logging.getLogger("httpx").setLevel(logging.WARNING)  # not a line per request
    with connection.cursor() as cursor:
        cursor.execute("SHOW max_connections")
        max_connections = int(cursor.fetchone()[0])
    # Pages as the owner (each several queries), the login page and a static file.
    paths = [
        reverse("calendar_app:calendar", kwargs={"view": "week"}),
        reverse("calendar_app:event_detail", kwargs={"event_id": event_id}),
        reverse("participants:dashboard", kwargs={"event_id": event_id}),
        "/healthz",
        reverse("login"),
        "/static/css/app.css",
    ]
    before = gunicorn_connections()

    peak = 0
    loading = threading.Event()
    loading.set()

    def watch() -> None:
        nonlocal peak
        try:  # on this thread's own connection
            while loading.is_set():
                peak = max(peak, gunicorn_connections())
                time.sleep(0.05)
        finally:
            connection.close()

    def fetch(number: int) -> tuple[str, int, float]:
        path = paths[number % len(paths)]
        started = time.perf_counter()
        response = httpx.get(
            f"{base}{path}",
            headers={**HEADERS, "Cookie": cookie},
            timeout=REQUEST_TIMEOUT,
        )
        return path, response.status_code, (time.perf_counter() - started) * 1000

    watcher = threading.Thread(target=watch)
    watcher.start()
    burst_started = time.perf_counter()
    try:
        with ThreadPoolExecutor(max_workers=CONCURRENT) as pool:
            answers = list(pool.map(fetch, range(CONCURRENT)))
    finally:
        burst = time.perf_counter() - burst_started
        loading.clear()
        watcher.join(timeout=10)
    after = gunicorn_connections()

    statuses = sorted({status for _, status, _ in answers})
    timings = [ms for _, _, ms in answers]
    p95 = statistics.quantiles(timings, n=20, method="inclusive")[-1]
    report(
        f"gunicorn x{workers}, {CONCURRENT} concurrent requests over {len(paths)} paths: "
        f"all answered in {burst:.1f} s, p50 {statistics.median(timings):.0f} ms, "
        f"p95 {p95:.0f} ms (queueing for a worker included), statuses {statuses}; "
        f"gunicorn's connections {before} before, peak {peak}, {after} after "
        f"(max_connections {max_connections})"
    )
    assert all(status < 500 for _, status, _ in answers), f"{statuses}\n{tail(log)}"
    not_ok = {(path, status) for path, status, _ in answers if status != 200}
    assert not not_ok, not_ok  # every page served to the owner
    assert 1 <= before <= workers
    assert peak <= workers  # never more than one per worker, however many requests wait
    assert before <= after <= workers  # kept (one per worker that served), nothing leaked
