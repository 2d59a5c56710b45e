"""The team services: owners only, and only of their own business; a refusal changes nothing."""

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied

from calendar_app.models import ChangeRecord
from calendar_app.tenancy import services
from calendar_app.tenancy.models import Membership
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NEW_ACCOUNT = {
    "username": "maria",
    "email": "maria@example.com",
    "password": "lilac-harbour-42",
    "role": "staff",
}


def stored() -> tuple:
    return (
        sorted(Membership.objects.values_list("pk", "role", "is_active")),
        get_user_model().objects.count(),
        ChangeRecord.objects.count(),
    )


def create_staff_account(actor, business, staff_membership, newcomer):
    services.create_staff_account(actor=actor, business=business, **NEW_ACCOUNT)


def add_membership(actor, business, staff_membership, newcomer):
    services.add_membership(actor=actor, business=business, user=newcomer, role="staff")


def set_membership_active(actor, business, staff_membership, newcomer):
    services.set_membership_active(actor=actor, membership=staff_membership, is_active=False)


def set_membership_role(actor, business, staff_membership, newcomer):
    services.set_membership_role(actor=actor, membership=staff_membership, role="owner")


TEAM_WRITES = [create_staff_account, add_membership, set_membership_active, set_membership_role]


@pytest.fixture
def newcomer(db):
    """A login with no membership yet."""
    return UserFactory(username="newcomer")


@pytest.fixture
def intruder(outsider, other_business):
    """An owner, of the other business."""
    return outsider.memberships.get(business=other_business)


@pytest.mark.parametrize("write", TEAM_WRITES, ids=lambda write: write.__name__)
def test_an_owner_of_another_business_is_refused_and_nothing_changes(
    write, intruder, business, staff_membership, newcomer
):
    before = stored()

    with pytest.raises(PermissionDenied):
        write(intruder, business, staff_membership, newcomer)

    assert stored() == before


@pytest.mark.parametrize("write", TEAM_WRITES, ids=lambda write: write.__name__)
def test_staff_are_refused_and_nothing_changes(write, business, staff_membership, newcomer):
    before = stored()

    with pytest.raises(PermissionDenied):
        write(staff_membership, business, staff_membership, newcomer)

    assert stored() == before


@pytest.mark.parametrize("write", TEAM_WRITES, ids=lambda write: write.__name__)
def test_an_owner_of_the_business_may(
    write, owner_membership, business, staff_membership, newcomer
):
    write(owner_membership, business, staff_membership, newcomer)

    assert ChangeRecord.objects.filter(object_type="Membership").exists()
