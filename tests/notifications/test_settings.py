"""The owner's Notifications settings: sender name, reply-to and footer, and each schedule's
reminders; bad input is a clear form error that changes nothing."""

from datetime import timedelta

import pytest
from django.urls import reverse

from calendar_app.notifications.models import ReminderSetting, SenderSetting
from tests.factories import ScheduleFactory

pytestmark = pytest.mark.django_db

SETTINGS = reverse("notifications:settings")
REMINDERS = reverse("notifications:reminders")
SENDER = {
    "sender_name": "Demo Yoga",
    "reply_to": "desk@demo.example",
    "footer_address": "Main St 1, Berlin",
    "footer_phone": "+49 30 123",
}


def test_the_owner_saves_the_sender_and_the_hub_names_it(owner_client, business):
    response = owner_client.post(SETTINGS, SENDER)

    assert response.status_code == 302
    stored = SenderSetting.objects.get(business=business)
    assert (stored.sender_name, stored.reply_to) == ("Demo Yoga", "desk@demo.example")
    assert stored.footer == "Main St 1, Berlin · +49 30 123"
    hub = owner_client.get(reverse("calendar_app:settings")).content.decode()
    assert "sent as “Demo Yoga”, replies to desk@demo.example" in hub
    assert f'href="{SETTINGS}"' in hub


def test_a_reply_to_that_is_not_an_address_is_a_form_error_that_changes_nothing(
    owner_client, business
):
    owner_client.post(SETTINGS, SENDER)

    bad = {**SENDER, "reply_to": "desk at demo", "sender_name": "X"}
    response = owner_client.post(SETTINGS, bad)

    assert response.status_code == 400
    assert "The reply-to must be an email address" in response.content.decode()
    stored = SenderSetting.objects.get(business=business)
    assert (stored.sender_name, stored.reply_to) == ("Demo Yoga", "desk@demo.example")


def test_staff_may_not_open_the_settings(staff_client):
    assert staff_client.get(SETTINGS).status_code == 403
    assert staff_client.post(SETTINGS, SENDER).status_code == 403
    assert not SenderSetting.objects.exists()


def test_the_page_lists_each_schedule_with_reminders_on_a_day_ahead_by_default(
    owner_client, schedule
):
    page = owner_client.get(SETTINGS).content.decode()

    assert f'id="reminders-{schedule.pk}"' in page
    assert f'id="lead-{schedule.pk}" type="number" name="lead_hours" value="24"' in page
    assert 'name="enabled" checked' in page


def test_the_owner_switches_reminders_and_sets_the_lead_time(owner_client, schedule):
    response = owner_client.post(REMINDERS, {"schedule": schedule.pk, "lead_hours": "3"})

    assert response.status_code == 302
    setting = ReminderSetting.objects.get(schedule=schedule)
    assert (setting.enabled, setting.lead_time) == (False, timedelta(hours=3))
    page = owner_client.get(SETTINGS).content.decode()
    assert "Reminders of “Classes” are off." in page


@pytest.mark.parametrize(
    ("lead", "problem"),
    [
        ("0", "The lead time is at least 1 hour."),
        ("400", "The lead time is at most 336 hours (14 days)."),
        ("soon", "The lead time is a whole number of hours."),
    ],
)
def test_a_bad_lead_time_is_a_clear_error_that_changes_nothing(
    owner_client, schedule, lead, problem
):
    response = owner_client.post(
        REMINDERS, {"schedule": schedule.pk, "enabled": "on", "lead_hours": lead}
    )

    assert response.status_code == 400
    assert problem in response.content.decode()
    assert not ReminderSetting.objects.exists()


def test_another_business_s_schedule_is_a_404(owner_client, other_business):
    theirs = ScheduleFactory(business=other_business)

    response = owner_client.post(REMINDERS, {"schedule": theirs.pk, "lead_hours": "2"})

    assert response.status_code == 404
    assert not ReminderSetting.objects.exists()
