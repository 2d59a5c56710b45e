"""Stored URLs become links only when they are http(s), whatever wrote them."""

import pytest
from django.urls import reverse

from calendar_app.templatetags.links import external_link, http_url
from tests.factories import EventFactory

pytestmark = pytest.mark.django_db

HOSTILE = [
    "javascript:alert(1)",
    "JavaScript:alert(1)",
    " javascript:alert(1)",
    "java\tscript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox",
    "//evil.example/x",
    "http:/no-host",
    "http://[::1",
    None,
]


@pytest.mark.parametrize("url", HOSTILE)
def test_anything_but_an_http_url_is_not_a_link(url):
    assert http_url(url) == ""
    assert "href" not in external_link(url, "Guest link")


@pytest.mark.parametrize("url", ["https://meet.example.com/abc", "http://zoom.example/j/1?pwd=x"])
def test_http_and_https_urls_are_links_opening_a_new_tab(url):
    link = external_link(url, "Guest link")

    assert http_url(url) == url
    assert f'href="{url.replace("&", "&amp;")}"' in link
    assert 'rel="noopener noreferrer"' in link


def test_a_javascript_url_stored_by_a_sync_is_shown_as_text_on_both_pages(owner_client, schedule):
    event = EventFactory(
        schedule=schedule,
        conferencing_details={
            "type": "CUSTOM",
            "guestUrl": "javascript:alert(document.cookie)",
            "hostUrl": "https://meet.example.com/host",
        },
    )

    for url in (
        reverse("calendar_app:event_detail", args=[event.pk]),
        reverse("participants:dashboard", args=[event.pk]),
    ):
        html = owner_client.get(url).content.decode()
        assert 'href="javascript:' not in html
        assert "javascript:alert(document.cookie)" in html  # visible, as text
        assert 'href="https://meet.example.com/host"' in html
