"""The owners' Resources page: resources, weekly hours, dated exceptions."""

import pytest
from django.urls import reverse

from bookings.models import WorkingHours, WorkingHoursOverride
from calendar_app.models import ChangeRecord, Resource
from tests.bookings.conftest import MONDAY
from tests.factories import ResourceFactory, WorkingHoursFactory, WorkingHoursOverrideFactory

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(f"bookings:{name}", args=args)


def test_the_owner_sees_every_resource_with_its_hours(owner_client, anna, room):
    response = owner_client.get(url("resources"))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Anna" in page and "R1" in page
    assert "Mon 09:00-13:00" in page


def test_staff_may_not_manage_resources(staff_client, anna):
    assert staff_client.get(url("resources")).status_code == 403
    assert staff_client.post(url("hours_add", anna.pk), {}).status_code == 403


def test_adding_a_resource_leads_to_its_hours(owner_client, business):
    response = owner_client.post(url("resources"), {"name": "Reformer 3", "type": "EQUIPMENT"})

    added = Resource.objects.get(business=business, name="Reformer 3")
    assert response.status_code == 302
    assert response["Location"] == url("resource", added.pk)
    assert ChangeRecord.objects.filter(object_type="Resource", action="create").exists()


def test_a_bad_resource_is_a_400_that_adds_nothing(owner_client, business):
    response = owner_client.post(url("resources"), {"name": "", "type": "SPACESHIP"})

    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert not Resource.objects.filter(business=business).exists()


def test_renaming_a_resource_bumps_its_revision(owner_client, anna):
    owner_client.post(url("resource", anna.pk), {"name": "Anna B.", "type": "STAFF"})

    anna.refresh_from_db()
    assert (anna.name, anna.revision) == ("Anna B.", 2)


def test_weekly_hours_are_added_and_removed(owner_client, anna):
    response = owner_client.post(
        url("hours_add", anna.pk), {"weekday": "2", "start_time": "14:00", "end_time": "18:00"}
    )
    assert response.status_code == 302
    added = anna.working_hours.get(weekday=2)

    owner_client.post(url("hours_remove", anna.pk, added.pk))

    assert not anna.working_hours.filter(weekday=2).exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"weekday": "0", "start_time": "12:00", "end_time": "14:00"}, "overlap hours already"),
        ({"weekday": "1", "start_time": "14:00", "end_time": "09:00"}, "must end after"),
        ({"weekday": "9", "start_time": "09:00", "end_time": "10:00"}, "Select a valid choice"),
        ({"weekday": "1", "start_time": "25:00", "end_time": "26:00"}, "Enter a valid time"),
    ],
)
def test_bad_hours_are_a_400_that_change_nothing(owner_client, anna, data, message):
    response = owner_client.post(url("hours_add", anna.pk), data)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert anna.working_hours.count() == 1


def test_a_closed_day_and_an_extra_shift_are_exceptions(owner_client, anna, ben):
    owner_client.post(url("override_add", anna.pk), {"date": MONDAY, "closed": "on"})
    owner_client.post(
        url("override_add", ben.pk),
        {"date": MONDAY, "start_time": "14:00", "end_time": "16:00", "note": "Extra"},
    )

    assert WorkingHoursOverride.objects.get(resource=anna).closed
    shift = WorkingHoursOverride.objects.get(resource=ben)
    assert (str(shift.start_time), shift.note) == ("14:00:00", "Extra")
    page = owner_client.get(url("resource", ben.pk)).content.decode()
    assert "14:00\u201316:00" in page


@pytest.mark.parametrize(
    "data",
    [
        {"date": "2027-01-04", "closed": "on", "start_time": "09:00", "end_time": "10:00"},
        {"date": "2027-01-04"},
        {"date": "not a date", "closed": "on"},
    ],
)
def test_bad_exceptions_are_a_400(owner_client, anna, data):
    response = owner_client.post(url("override_add", anna.pk), data)

    assert response.status_code == 400
    assert not WorkingHoursOverride.objects.filter(resource=anna).exists()


def test_a_second_exception_on_a_closed_day_is_refused(owner_client, anna):
    WorkingHoursOverrideFactory(resource=anna, date=MONDAY, closed=True)

    response = owner_client.post(
        url("override_add", anna.pk), {"date": MONDAY, "start_time": "10:00", "end_time": "11:00"}
    )

    assert response.status_code == 400
    assert "already has an exception" in response.content.decode()


def test_another_businesss_resource_and_hours_are_404(owner_client, anna, other_business):
    theirs = ResourceFactory(business=other_business)
    their_hours = WorkingHoursFactory(resource=theirs)

    assert owner_client.get(url("resource", theirs.pk)).status_code == 404
    assert owner_client.post(url("hours_remove", theirs.pk, their_hours.pk)).status_code == 404
    assert owner_client.post(url("hours_remove", anna.pk, their_hours.pk)).status_code == 404
    assert WorkingHours.objects.filter(pk=their_hours.pk).exists()
