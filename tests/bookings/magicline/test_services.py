"""Connecting a studio and linking instructors check their actor: an owner of that studio."""

import pytest
from django.core.exceptions import PermissionDenied

from bookings.magicline import services
from bookings.magicline.models import MagiclineConnection, MagiclineInstructor
from calendar_app.models import Resource
from tests.factories import ResourceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["outsider", "staff"])
def stranger(request, outsider, staff_membership):
    return outsider.memberships.get() if request.param == "outsider" else staff_membership


def test_only_an_owner_of_the_studio_connects_it(business, stranger):
    with pytest.raises(PermissionDenied):
        services.connect_studio(
            actor=stranger,
            business=business,
            base_url="https://demo.open-api.magicline.com",
            api_key="open-api-key",
            webhook_key="webhook-key",
        )

    assert not MagiclineConnection.objects.exists()


def test_only_an_owner_of_the_studio_links_an_instructor(business, stranger, owner_membership):
    connection = services.connect_studio(
        actor=owner_membership,
        business=business,
        base_url="https://demo.open-api.magicline.com",
        api_key="open-api-key",
        webhook_key="webhook-key",
    )
    made = ResourceFactory(business=business, type=Resource.Type.STAFF, name="Coach 101")
    instructor = MagiclineInstructor.objects.create(
        connection=connection, magicline_id=101, resource=made, name="Coach 101"
    )
    anna = ResourceFactory(business=business, type=Resource.Type.STAFF, name="Anna")

    with pytest.raises(PermissionDenied):
        services.link_instructor(actor=stranger, instructor=instructor, resource=anna)

    instructor.refresh_from_db()
    assert instructor.resource == made
