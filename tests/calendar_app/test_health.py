"""``/healthz``: JSON about PostgreSQL and Redis, 200 or 503, no login, plain HTTP allowed."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_it_reports_the_database_and_redis_without_a_login(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:6379/5"

    response = client.get(reverse("healthz"))

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "redis": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_an_unreachable_redis_is_a_503_naming_it(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1

    response = client.get(reverse("healthz"))

    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
    assert response.json()["database"] == "ok"
    assert response.json()["redis"].startswith("error: ")


def test_without_redis_configured_only_the_database_counts(client, settings):
    settings.REDIS_URL = ""

    assert client.get(reverse("healthz")).json()["redis"] == "not configured"


def test_a_load_balancer_s_plain_http_probe_is_not_redirected(client, settings):
    settings.SECURE_SSL_REDIRECT = True

    assert client.get(reverse("healthz")).status_code == 200
    assert client.get(reverse("login")).status_code == 301
