"""The signed unsubscribe token."""

from calendar_app.notifications.tokens import (
    read_unsubscribe_token,
    unsubscribe_token,
    unsubscribe_url,
)


def test_a_token_names_the_business_and_the_lowercased_address():
    token = unsubscribe_token(business_id=7, email="Ana@Example.org")

    assert read_unsubscribe_token(token) == (7, "ana@example.org")


def test_a_changed_token_is_refused():
    token = unsubscribe_token(business_id=7, email="ana@example.org")

    assert read_unsubscribe_token(token[:-2] + "xx") is None
    assert read_unsubscribe_token("garbage") is None


def test_the_url_is_absolute_on_the_public_address(settings):
    settings.NOTIFICATIONS_BASE_URL = "https://dash.example.com/"

    url = unsubscribe_url(business_id=7, email="ana@example.org")

    assert url.startswith("https://dash.example.com/unsubscribe/")
