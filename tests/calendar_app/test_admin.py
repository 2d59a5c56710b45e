"""Django admin: calendar objects and the audit trail are read-only; businesses and memberships
change through the services, audited with ``source="admin"``."""

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.urls import reverse

from calendar_app.models import ChangeRecord
from calendar_app.tenancy.models import Business, Membership
from tests.factories import (
    BulkOperationFactory,
    BusinessFactory,
    ChangeRecordFactory,
    EventFactory,
    EventResourceFactory,
    MembershipFactory,
    ParticipationFactory,
    ResourceFactory,
    ScheduleFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    root = get_user_model().objects.create_superuser("root", "root@example.com", "x-long-pass-9")
    client.force_login(root)
    return client


def admin_url(obj, view: str) -> str:
    meta = obj._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_{view}", args=[obj.pk])


def fields_of(obj) -> dict:
    return {field.attname: getattr(obj, field.attname) for field in obj._meta.concrete_fields}


# Every calendar model registered in admin, with a form post that would change it.
READ_ONLY = {
    "schedule": (ScheduleFactory, {"name": "Renamed in admin", "default_capacity": "99"}),
    "event": (EventFactory, {"title": "Renamed in admin", "total_capacity": "99"}),
    "resource": (ResourceFactory, {"name": "Renamed in admin", "type": "ROOM"}),
    "participation": (ParticipationFactory, {"name": "Renamed in admin", "party_size": "9"}),
    "changerecord": (ChangeRecordFactory, {"action": "forged"}),
    "bulkoperation": (BulkOperationFactory, {"state": "done"}),
}


@pytest.mark.parametrize("name", READ_ONLY)
def test_calendar_objects_cannot_be_added_changed_or_deleted_in_admin(admin_client, name):
    factory, post = READ_ONLY[name]
    obj = factory()
    before = fields_of(obj)
    records = ChangeRecord.objects.count()
    meta = obj._meta

    page = admin_client.get(admin_url(obj, "change"))
    changed = admin_client.post(admin_url(obj, "change"), post)
    deleted = admin_client.post(admin_url(obj, "delete"), {"post": "yes"})
    add = reverse(f"admin:{meta.app_label}_{meta.model_name}_add")

    assert page.status_code == 200  # viewable, without inputs
    assert f'name="{next(iter(post))}"' not in page.content.decode()
    assert (changed.status_code, deleted.status_code) == (403, 403)
    assert admin_client.get(add).status_code == 403
    assert admin_client.post(add, post).status_code == 403
    obj.refresh_from_db()
    assert fields_of(obj) == before
    assert ChangeRecord.objects.count() == records


def test_every_registered_calendar_model_is_covered_here():
    # A new calendar model registered in admin must be read-only or routed through a service.
    calendar_apps = {"calendar_app", "participants", "bookings", "wix", "magicline", "feeds"}
    registered = {
        model._meta.model_name
        for model in admin.site._registry
        if model._meta.app_label in calendar_apps
    }
    assert registered == {*READ_ONLY, "business", "membership"}


def test_an_event_s_resources_inline_is_read_only(admin_client):
    link = EventResourceFactory()

    page = admin_client.get(admin_url(link.event, "change")).content.decode()

    assert link.resource.name in page
    assert 'name="resources-0-resource"' not in page


def test_a_membership_added_in_admin_is_audited_as_the_system_from_admin(admin_client):
    business = BusinessFactory()
    user = UserFactory()

    response = admin_client.post(
        reverse("admin:calendar_app_membership_add"),
        {"user": user.pk, "business": business.pk, "role": "owner"},
    )

    assert response.status_code == 302
    membership = Membership.objects.get(user=user, business=business)
    record = ChangeRecord.objects.get(object_type="Membership", object_id=str(membership.pk))
    assert (record.action, record.actor_kind, record.source) == ("create", "system", "admin")


def test_a_role_change_in_admin_goes_through_the_service_and_is_audited(admin_client, business):
    MembershipFactory(business=business, role=Membership.Role.OWNER)
    second = MembershipFactory(business=business, role=Membership.Role.OWNER)

    response = admin_client.post(admin_url(second, "change"), {"role": "staff", "is_active": "on"})

    assert response.status_code == 302
    second.refresh_from_db()
    assert second.role == Membership.Role.STAFF
    record = ChangeRecord.objects.get(object_type="Membership", object_id=str(second.pk))
    assert (record.action, record.source) == ("role_staff", "admin")


@pytest.mark.parametrize("post", [{"role": "staff", "is_active": "on"}, {"role": "owner"}])
def test_admin_cannot_demote_or_deactivate_the_last_active_owner(admin_client, business, post):
    owner = MembershipFactory(business=business, role=Membership.Role.OWNER)

    response = admin_client.post(admin_url(owner, "change"), post)

    assert response.status_code == 200  # the form again, with the reason
    assert "is the last active owner of" in response.content.decode()
    owner.refresh_from_db()
    assert (owner.role, owner.is_active) == (Membership.Role.OWNER, True)
    assert not ChangeRecord.objects.filter(object_type="Membership").exists()


def test_memberships_and_businesses_cannot_be_deleted_in_admin(admin_client):
    membership = MembershipFactory()

    assert admin_client.post(admin_url(membership, "delete"), {"post": "yes"}).status_code == 403
    business = membership.business
    assert admin_client.post(admin_url(business, "delete"), {"post": "yes"}).status_code == 403
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_a_business_change_in_admin_is_audited_and_its_backend_is_read_only(admin_client):
    business = BusinessFactory(name="Old name", time_zone="Europe/Berlin")

    response = admin_client.post(
        admin_url(business, "change"),
        {
            "name": "New name",
            "slug": business.slug,
            "time_zone": "Europe/Berlin",
            "backend": Business.Backend.WIX,  # not a field here: connecting Wix switches it
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 302
    business.refresh_from_db()
    assert (business.name, business.backend) == ("New name", Business.Backend.LOCAL)
    record = ChangeRecord.objects.get(object_type="Business", object_id=str(business.pk))
    assert (record.action, record.source) == ("update", "admin")
    assert record.changes == {"name": ["Old name", "New name"]}
