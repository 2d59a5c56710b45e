"""Webhook intake as production serves it: gunicorn (gunicorn.conf.py, workers from the core
count) on the test database and real Redis, signed deliveries posted by concurrent posters over
kept-alive connections.

Each request verifies an RS256 JWT (the connection's key parsed once per worker), looks the
connection up, inserts one row (``INSERT … ON CONFLICT DO NOTHING``, autocommitted) and makes
sure a drain of the connection's backlog is queued on Redis (a ``SET NX`` mark; the task goes to
a private queue nobody consumes, deleted afterwards). The posters run in this process and share
the machine's cores with the server, so the figures are a floor. Goal (issue 6): at least 400
deliveries/s with p99 at most 50 ms. Asserted: every delivery stored, a drain queued, and the
query budget of one delivery.
"""

import logging
import os
import statistics
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
import redis
from django.conf import settings
from django.db import connection as db
from django.test import Client
from django.test.utils import CaptureQueriesContext

from calendar_app.wix import tasks
from calendar_app.wix.models import WebhookDelivery
from tests.benchmarks.gunicorn_server import PROXY_HEADERS, gunicorn
from tests.factories import WixConnectionFactory
from tests.fakes import wix_signing as signing
from tests.integration.conftest import celery_queue  # noqa: F401 (a fixture)

pytestmark = [pytest.mark.benchmark, pytest.mark.django_db(transaction=True)]

DELIVERIES = 3_000
POSTERS = 8
WARM_UP = 40  # per poster: every worker has its connection open and the key parsed
REQUEST_TIMEOUT = 10
QUERY_BUDGET = 2  # the connection by instanceId, the INSERT … ON CONFLICT (autocommit)


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def _signed(wix, count: int) -> list[str]:
    event = {"id": "evt", "revision": "1", "status": "CONFIRMED"}
    return [
        signing.sign(signing.projection_updated(event), instance_id=wix.instance_id)
        for _ in range(count)
    ]


def _post_all(url: str, tokens: list[str]) -> list[float]:
    """One poster: its own kept-alive connection, the tokens one after the other."""
    latencies = []
    with httpx.Client(headers=PROXY_HEADERS, timeout=REQUEST_TIMEOUT) as client:
        for token in tokens:
            started = time.perf_counter()
            response = client.post(url, content=token)
            latencies.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.text
    return latencies


def test_webhook_intake_rate_on_gunicorn(
    require_postgresql,
    celery_queue,  # noqa: F811
    report,
    tmp_path,
):
    logging.getLogger("httpx").setLevel(logging.WARNING)  # not a line per request
    wix = WixConnectionFactory(public_key_pem=signing.PUBLIC_KEY_PEM)
    first_post = time.perf_counter()
    with CaptureQueriesContext(db) as queries:
        answer = Client().post(
            "/webhooks/wix/", _signed(wix, 1)[0], content_type="text/plain", secure=True
        )
    assert answer.status_code == 200, answer.content
    warm_up = _signed(wix, WARM_UP * POSTERS)
    tokens = _signed(wix, DELIVERIES)
    shares = [tokens[n::POSTERS] for n in range(POSTERS)]

    with gunicorn(
        log_path=tmp_path / "gunicorn.log", env={"CELERY_TASK_DEFAULT_QUEUE": celery_queue}
    ) as web:
        url = f"{web.base_url}/webhooks/wix/"
        with ThreadPoolExecutor(POSTERS) as pool:
            list(pool.map(lambda n: _post_all(url, warm_up[n::POSTERS]), range(POSTERS)))
            began, server_cpu, poster_cpu = (
                time.perf_counter(),
                web.cpu_seconds(),
                time.process_time(),
            )
            per_poster = list(pool.map(lambda share: _post_all(url, share), shares))
            elapsed = time.perf_counter() - began
            server_cpu, poster_cpu = (
                web.cpu_seconds() - server_cpu,
                time.process_time() - poster_cpu,
            )
        workers = web.workers

    latencies = [ms for poster in per_poster for ms in poster]
    stored = 1 + len(warm_up) + DELIVERIES
    assert WebhookDelivery.objects.count() == stored
    # One drain task for the backlog (another each time the run outlived the mark).
    marks = 1 + (time.perf_counter() - first_post) // tasks.DRAIN_MARK_SECONDS
    assert 1 <= redis.Redis.from_url(settings.REDIS_URL).llen(celery_queue) <= marks
    assert len(queries) <= QUERY_BUDGET, [q["sql"] for q in queries.captured_queries]
    report(
        f"webhook intake (gunicorn x{workers} gthread workers of one thread, {POSTERS} concurrent "
        f"posters with kept-alive connections, {len(latencies):,} signed deliveries): "
        f"{len(latencies) / elapsed:,.0f} deliveries/s, p50 {statistics.median(latencies):.1f} ms,"
        f" p95 {_percentile(latencies, 0.95):.1f} ms, p99 {_percentile(latencies, 0.99):.1f} ms, "
        f"{len(queries)} queries per delivery (goal >= 400/s, p99 <= 50 ms); server CPU "
        f"{server_cpu * 1000 / len(latencies):.2f} ms per delivery, i.e. at most "
        f"{(os.cpu_count() or 1) * len(latencies) / server_cpu:,.0f}/s on "
        f"{os.cpu_count()} free cores; the posters' CPU {poster_cpu * 1000 / len(latencies):.2f}"
        f" ms per delivery; load average {os.getloadavg()[0]:.1f} during the run"
    )
