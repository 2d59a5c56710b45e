import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_logs_in_and_lands_on_the_calendar(live_server, log_in, owner):
    page = log_in(owner)
    assert "/accounts/login/" not in page.url
    assert page.locator(".brand").inner_text() == "Demo Studio"
