"""Login throttling (django-axes): lockout per username and per address, when to retry, unlock;
and the password rules."""

import pytest
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import RequestFactory
from django.urls import reverse

from config.proxy import client_ip
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def log_in(client, username, password, address="10.0.0.1"):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address
    )


def test_five_wrong_passwords_lock_the_account_even_for_the_right_one(client, owner):
    for _ in range(4):
        assert log_in(client, "owner", "wrong-guess").status_code == 200

    fifth = log_in(client, "owner", "wrong-guess")
    right = log_in(client, "owner", PASSWORD)

    assert fifth.status_code == 429
    assert right.status_code == 429
    assert "Try again in 15 minutes" in right.content.decode()
    assert right["Retry-After"] == "900"
    assert '<header class="topbar">' in right.content.decode()  # the app's layout
    assert "_auth_user_id" not in client.session


def test_the_account_stays_locked_from_another_address(client, owner):
    for number in range(5):
        log_in(client, "owner", "wrong-guess", address=f"10.0.1.{number}")

    assert log_in(client, "owner", PASSWORD, address="10.0.2.1").status_code == 429


def test_one_address_trying_many_usernames_is_locked(client, owner, staff):
    for number in range(5):
        log_in(client, f"guess{number}", "wrong-guess", address="10.0.3.1")

    assert log_in(client, "staff", PASSWORD, address="10.0.3.1").status_code == 429
    assert log_in(client, "staff", PASSWORD, address="10.0.3.2").status_code == 302


def test_a_few_failures_then_the_right_password_logs_in_and_starts_the_count_again(client, owner):
    for _ in range(4):
        log_in(client, "owner", "wrong-guess")

    assert log_in(client, "owner", PASSWORD).status_code == 302
    client.logout()
    for _ in range(4):
        log_in(client, "owner", "wrong-guess")
    assert log_in(client, "owner", PASSWORD).status_code == 302


def test_an_administrator_can_unlock_the_account(client, owner):
    for _ in range(5):
        log_in(client, "owner", "wrong-guess")

    call_command("axes_reset_username", "owner", verbosity=0)

    assert log_in(client, "owner", PASSWORD).status_code == 302


@pytest.mark.parametrize("password", ["84729103", "1234567890123"])
def test_a_password_of_digits_only_is_refused(password):
    with pytest.raises(ValidationError, match="entirely numeric"):
        password_validation.validate_password(password)


@pytest.mark.parametrize(
    ("count", "forwarded", "expected"),
    [
        (0, "203.0.113.9", "10.0.0.1"),  # no proxy: a client's header is ignored
        (1, "203.0.113.9", "203.0.113.9"),
        (1, "6.6.6.6, 203.0.113.9", "203.0.113.9"),  # the client wrote the first entry
        (2, "6.6.6.6, 203.0.113.9, 10.1.1.1", "203.0.113.9"),
        (2, "203.0.113.9", "10.0.0.1"),  # fewer entries than proxies: not trusted
    ],
)
def test_the_client_address_is_taken_from_trusted_proxies_only(
    settings, count, forwarded, expected
):
    settings.TRUSTED_PROXY_COUNT = count
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)

    assert client_ip(request) == expected
