"""``/healthz``: JSON about PostgreSQL and Redis, 200 or 503, no login, plain HTTP allowed."""

import json
import os
import secrets
import subprocess
import sys

import pytest
from django.conf import settings
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


# A process whose database is down: the whole request (every middleware before the view too)
# must answer the balancer's probe with a 503 naming the database, never a 500.
PROBE_WITH_THE_DATABASE_DOWN = """
import json, django
from django.test.utils import setup_test_environment
django.setup()
setup_test_environment()
from django.test import Client
response = Client().get("/healthz")
print(json.dumps({"status_code": response.status_code, "body": response.json()}))
"""


def probe_healthz_in_a_process(*, database_url: str, redis_url: str) -> dict:
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "ALLOWED_HOSTS": "testserver",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    done = subprocess.run(
        [sys.executable, "-c", PROBE_WITH_THE_DATABASE_DOWN],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(done.stdout.splitlines()[-1])


@pytest.mark.parametrize(
    ("redis_url", "redis_state"),
    [("redis://127.0.0.1:6379/5", "ok"), ("redis://127.0.0.1:1/0", "error: ConnectionError")],
)
def test_a_database_that_is_down_is_a_503_naming_it_never_a_500(redis_url, redis_state):
    # Nothing listens on port 1: every connection attempt is refused at once.
    answer = probe_healthz_in_a_process(
        database_url="postgres://postgres@127.0.0.1:1/dashboard", redis_url=redis_url
    )

    assert answer == {
        "status_code": 503,
        "body": {
            "status": "unavailable",
            "database": "error: OperationalError",
            "redis": redis_state,
        },
    }
