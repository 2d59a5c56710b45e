"""Blocked time services: owners only."""

import pytest
from django.core.exceptions import PermissionDenied

from calendar_app import services
from tests.factories import ResourceFactory, next_monday

pytestmark = pytest.mark.django_db


def test_staff_cannot_change_blocked_time(business, owner_membership, staff_membership):
    room = ResourceFactory(business=business)
    [blocked] = services.block_time(
        actor=owner_membership,
        business=business,
        resource_ids=[room.pk],
        start_local=next_monday(13),
        end_local=next_monday(15),
    )

    with pytest.raises(PermissionDenied):
        services.update_event(
            actor=staff_membership,
            event=blocked,
            expected_revision=blocked.revision,
            changes={"title": "Free after all"},
        )
    with pytest.raises(PermissionDenied):
        services.cancel_event(
            actor=staff_membership, event=blocked, expected_revision=blocked.revision
        )
    with pytest.raises(PermissionDenied):
        services.create_event(
            actor=staff_membership,
            schedule=blocked.schedule,
            title="Blocked",
            start_local=next_monday(16),
            end_local=next_monday(17),
        )

    blocked.refresh_from_db()
    assert (blocked.status, blocked.revision) == ("CONFIRMED", 1)
