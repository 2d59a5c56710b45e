"""Webhook intake on the live server: signed deliveries/s and latency with concurrent posters.

Each request verifies an RS256 JWT (the connection's key parsed once per process), looks the
connection up, inserts one row (ON CONFLICT DO NOTHING) and queues its task on real Redis (a
private queue nobody consumes; deleted afterwards). The posters run in this process's threads,
so they share its cores with the server: the figures are a floor.
"""

import statistics
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from django.db import connection as db
from django.test import Client
from django.test.utils import CaptureQueriesContext

from calendar_app.wix.models import WebhookDelivery
from tests.factories import WixConnectionFactory
from tests.fakes import wix_signing as signing
from tests.integration.conftest import celery_queue  # noqa: F401 (a fixture)

pytestmark = [pytest.mark.benchmark, pytest.mark.django_db(transaction=True)]

DELIVERIES = 2_000
POSTERS = 8
QUERY_BUDGET = 4  # BEGIN, the connection by instanceId, the INSERT … ON CONFLICT, COMMIT


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def test_webhook_intake_rate(require_postgresql, live_server, celery_queue, report):  # noqa: F811
    wix = WixConnectionFactory(public_key_pem=signing.PUBLIC_KEY_PEM)
    event = {"id": "evt", "revision": "1", "status": "CONFIRMED"}
    tokens = [
        signing.sign(signing.projection_updated(event), instance_id=wix.instance_id)
        for _ in range(DELIVERIES + 1)
    ]
    with CaptureQueriesContext(db) as queries:
        assert (
            Client().post("/webhooks/wix/", tokens.pop(), content_type="text/plain").status_code
            == 200
        )
    url = f"{live_server.url}/webhooks/wix/"

    def post(client: httpx.Client, token: str) -> float:
        started = time.perf_counter()
        assert client.post(url, content=token).status_code == 200
        return (time.perf_counter() - started) * 1000

    with httpx.Client(timeout=30, limits=httpx.Limits(max_keepalive_connections=POSTERS)) as client:
        for token in tokens[:50]:  # warm up: connections, the key cache
            post(client, token)
        began = time.perf_counter()
        with ThreadPoolExecutor(POSTERS) as pool:
            latencies = list(pool.map(lambda token: post(client, token), tokens[50:]))
        elapsed = time.perf_counter() - began

    assert WebhookDelivery.objects.count() == DELIVERIES + 1
    assert len(queries) <= QUERY_BUDGET, [q["sql"] for q in queries.captured_queries]
    report(
        f"webhook intake (live server, {POSTERS} concurrent posters, {len(latencies):,} signed "
        f"deliveries): {len(latencies) / elapsed:,.0f} deliveries/s, p50 "
        f"{statistics.median(latencies):.1f} ms, p95 {_percentile(latencies, 0.95):.1f} ms, "
        f"p99 {_percentile(latencies, 0.99):.1f} ms, {len(queries)} queries per delivery"
    )
