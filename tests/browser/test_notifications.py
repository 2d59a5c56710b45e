"""Notifying participants in a real browser (DEBUG on and off: the conftest's ``app_debug``):
cancel a class of ten, two without email, with "Notify participants" and a message; the event
page says who was told, the Outbox lists the messages, and a failed one is sent again.

The sends run in the server's process (Celery eager) against the loopback SMTP server."""

import pytest
from playwright.sync_api import expect

from calendar_app.notifications.models import Message
from config.celery import app
from tests.factories import EventFactory, ParticipationFactory, next_monday
from tests.notifications.conftest import smtp  # noqa: F401 (the loopback SMTP server)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def eager_sending():
    """Tasks run where they are queued (here: in the live server, after the commit)."""
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


def test_cancel_with_notify_shows_who_was_told_and_a_failed_message_is_sent_again(
    live_server,
    log_in,
    owner,
    schedule,
    smtp,  # noqa: F811
    eager_sending,
    settings,
    artifacts_dir,
):
    event = EventFactory(schedule=schedule, title="Morning Yoga", start_local=next_monday())
    for n in range(8):
        ParticipationFactory(event=event, name=f"Person {n}", email=f"person{n}@example.org")
    for n in range(8, 10):
        ParticipationFactory(event=event, name=f"Person {n}", email="")
    page = log_in(owner)
    page.goto(f"{live_server.url}/events/{event.pk}/")

    page.get_by_text("Cancel…").click()
    expect(page.get_by_label("Notify participants")).to_be_checked()
    page.get_by_label("Message to them").fill("The teacher is ill; see you next week.")
    page.get_by_role("button", name="Cancel event").click()

    expect(page.locator("[data-notices]")).to_contain_text(
        "Participants: told 8, skipped 2 (2 no email)."
    )
    expect(page.locator("[data-told] summary")).to_have_text("Messages to participants (10)")
    page.screenshot(path=str(artifacts_dir / f"notify-event-debug-{settings.DEBUG}.png"))
    assert len(smtp.inbox.raw) == 8
    assert "The teacher is ill" in smtp.inbox.messages[0].get_body(("plain",)).get_content()

    page.locator("[data-notices]").get_by_role("link", name="Outbox").click()
    expect(page.locator("[data-health]")).to_contain_text("Queued: 0 · Failed: 0")
    expect(page.locator('tr[data-state="sent"]')).to_have_count(8)
    expect(page.locator('tr[data-state="skipped"]')).to_have_count(2)

    refused = Message.objects.get(email="person3@example.org")
    Message.objects.filter(pk=refused.pk).update(
        state=Message.State.FAILED, reason="SMTPRecipientsRefused: 451 try later"
    )
    page.get_by_label("State").select_option("failed")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("tr[data-state]")).to_have_count(1)
    expect(page.locator("[data-health]")).to_contain_text("Failed: 1")
    page.get_by_role("button", name="Send again to Person 3").click()

    expect(page.get_by_role("status")).to_contain_text("queued to be sent again")
    expect(page.locator(f"#message-{refused.pk}")).to_have_attribute("data-state", "sent")
    page.screenshot(path=str(artifacts_dir / f"notify-outbox-debug-{settings.DEBUG}.png"))
    assert len(smtp.inbox.raw) == 9
    assert smtp.inbox.messages[-1]["Message-ID"] == refused.message_id
