"""The Magicline settings page and ``manage.py connect_magicline``: keys never shown in full."""

import pytest
from django.core.management import CommandError, call_command

from bookings.magicline.models import MagiclineConnection
from tests.factories import MagiclineConnectionFactory

PAGE = "/settings/magicline/"


@pytest.fixture
def studio_fake(fake):
    fake.add_studio("demo", "demo-open-api-key-9999")
    return fake


def connect_form(fake, **changes):
    return {
        "base_url": fake.base_url("demo"),
        "api_key": "demo-open-api-key-9999",
        "webhook_key": "demo-webhook-key-9999",
        "max_slot_window_days": 6,
        **changes,
    }


def test_the_owner_connects_and_the_key_check_passes(owner_client, business, studio_fake):
    answer = owner_client.post(f"{PAGE}connect/", connect_form(studio_fake), follow=True)
    assert answer.status_code == 200
    assert "Connected: Magicline accepted the Open API key." in answer.text
    connection = MagiclineConnection.objects.get(business=business)
    assert connection.last_check_ok is True
    assert [r.method for r in studio_fake.requests] == ["HEAD"]
    assert "demo-open-api-key-9999" not in answer.text
    assert "demo-webhook-key-9999" not in answer.text
    assert "…9999" in answer.text


def test_a_wrong_key_is_saved_but_the_page_says_the_check_failed(
    owner_client, business, studio_fake
):
    answer = owner_client.post(
        f"{PAGE}connect/", connect_form(studio_fake, api_key="wrong-key-1234"), follow=True
    )
    assert "the key check failed" in answer.text
    assert MagiclineConnection.objects.get(business=business).last_check_ok is False


def test_empty_keys_keep_the_stored_ones(owner_client, business, studio_fake):
    owner_client.post(f"{PAGE}connect/", connect_form(studio_fake))
    owner_client.post(
        f"{PAGE}connect/",
        connect_form(studio_fake, api_key="", webhook_key="", max_slot_window_days=3),
    )
    connection = MagiclineConnection.objects.get(business=business)
    assert connection.api_key == "demo-open-api-key-9999"
    assert connection.max_slot_window_days == 3


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"base_url": "not a url"}, "Enter a valid URL."),
        ({"base_url": "http://studio.open-api.magicline.com"}, "must start with https://"),
        ({"api_key": ""}, "needs both the Open API key and the webhook key"),
        ({"max_slot_window_days": 9}, "less than or equal to 6"),
    ],
)
def test_bad_input_is_400_with_a_sentence_and_stores_nothing(
    owner_client, business, studio_fake, changes, message
):
    answer = owner_client.post(f"{PAGE}connect/", connect_form(studio_fake, **changes))
    assert answer.status_code == 400
    assert message in answer.text
    assert not MagiclineConnection.objects.exists()


def test_a_webhook_key_of_another_studio_is_refused(owner_client, other_business, studio_fake):
    MagiclineConnectionFactory(business=other_business, webhook_key="demo-webhook-key-9999")
    answer = owner_client.post(f"{PAGE}connect/", connect_form(studio_fake))
    assert answer.status_code == 400
    assert "already belongs to another studio" in answer.text


def test_test_connection_uses_the_head_check(owner_client, business, studio_fake):
    owner_client.post(f"{PAGE}connect/", connect_form(studio_fake))
    studio_fake.studios["demo"].api_key = "rotated"
    answer = owner_client.post(f"{PAGE}check/", follow=True)
    assert "The key check failed" in answer.text
    assert [r.method for r in studio_fake.requests] == ["HEAD", "HEAD"]


def test_the_page_shows_the_sync_health(owner_client, business, studio_fake):
    owner_client.post(f"{PAGE}connect/", connect_form(studio_fake))
    answer = owner_client.get(PAGE)
    assert "0 received, 0 processed, 0 waiting, 0 failed" in answer.text
    assert "/webhooks/magicline/" in answer.text


def test_staff_cannot_see_or_change_the_connection(staff_client, business, studio_fake):
    assert staff_client.get(PAGE).status_code == 403
    assert staff_client.post(f"{PAGE}connect/", connect_form(studio_fake)).status_code == 403
    assert not MagiclineConnection.objects.exists()


def test_the_command_connects_and_checks(business, studio_fake, capsys):
    call_command(
        "connect_magicline",
        business="demo",
        base_url=studio_fake.base_url("demo"),
        api_key="demo-open-api-key-9999",
        webhook_key="demo-webhook-key-9999",
    )
    assert "the key check passed" in capsys.readouterr().out
    assert MagiclineConnection.objects.get(business=business).last_check_ok is True


def test_the_command_says_what_is_wrong(business, studio_fake):
    with pytest.raises(CommandError, match="No business has the slug"):
        call_command(
            "connect_magicline",
            business="nope",
            base_url="https://x",
            api_key="a",
            webhook_key="b",
        )
    with pytest.raises(CommandError, match="key check failed"):
        call_command(
            "connect_magicline",
            business="demo",
            base_url=studio_fake.base_url("demo"),
            api_key="wrong",
            webhook_key="demo-webhook-key-9999",
        )
