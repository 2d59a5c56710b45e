"""Settings that are safe by default: no start on the public key, ``check --deploy`` clean under
the documented production environment, security headers on every page."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[1]
PRODUCTION_ENV = ROOT / "deploy" / "production.env.example"


def documented_environment() -> dict[str, str]:
    pairs = (
        line.split("=", 1)
        for line in PRODUCTION_ENV.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    )
    return {key.strip(): value.strip() for key, value in pairs}


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    # Only PATH from the test run: its own variables (DJANGO_ALLOW_ASYNC_UNSAFE for the
    # browser tests, the test DATABASE_URL) are not part of any deployment.
    inherited = {"PATH": os.environ.get("PATH", "")}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        env={**inherited, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_debug_off_with_the_development_key_refuses_to_start():
    result = manage("check", DEBUG="0")

    assert result.returncode != 0
    assert "DEBUG=0 needs its own SECRET_KEY: the development key is public" in result.stderr


def test_check_deploy_is_clean_under_the_documented_production_environment():
    env = {**documented_environment(), "SECRET_KEY": secrets.token_urlsafe(50)}

    result = manage("check", "--deploy", "--fail-level", "WARNING", **env)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.django_db
def test_every_page_sends_a_content_security_policy_and_a_permissions_policy(owner_client):
    response = owner_client.get(reverse("calendar_app:calendar", args=["week"]))

    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    assert "camera=()" in response["Permissions-Policy"]


@pytest.mark.django_db
def test_pages_carry_no_inline_scripts_or_handlers(owner_client):
    html = owner_client.get(reverse("calendar_app:calendar", args=["week"])).content.decode()

    assert "<script>" not in html
    assert " onchange=" not in html and " onclick=" not in html
    assert '"includeIndicatorStyles":false' in html
