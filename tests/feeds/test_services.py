import pytest
from django.core.exceptions import PermissionDenied

from calendar_app.feeds import services
from calendar_app.feeds.models import CalendarFeed
from calendar_app.models import ChangeRecord
from tests.factories import CalendarFeedFactory, ResourceFactory

pytestmark = pytest.mark.django_db


def test_a_target_has_one_feed_however_often_it_is_asked_for(owner_membership, schedule):
    first = services.create_feed(
        actor=owner_membership, business=schedule.business, schedule=schedule
    )
    again = services.create_feed(
        actor=owner_membership, business=schedule.business, schedule=schedule
    )

    assert again.pk == first.pk
    assert again.token == first.token
    assert CalendarFeed.objects.count() == 1


def test_feeds_of_each_kind_have_their_own_unguessable_tokens(owner_membership, business):
    feeds = [
        services.create_feed(actor=owner_membership, business=business),
        services.create_feed(
            actor=owner_membership, business=business, resource=ResourceFactory(business=business)
        ),
    ]

    assert [f.kind for f in feeds] == [CalendarFeed.Kind.BUSINESS, CalendarFeed.Kind.RESOURCE]
    assert len({f.token for f in feeds}) == 2
    assert all(len(f.token) >= 43 for f in feeds)


def test_staff_cannot_make_rotate_or_revoke_a_feed(staff_membership, schedule):
    feed = CalendarFeedFactory(schedule=schedule)

    with pytest.raises(PermissionDenied):
        services.create_feed(actor=staff_membership, business=schedule.business)
    with pytest.raises(PermissionDenied):
        services.rotate_feed(actor=staff_membership, feed=feed)
    with pytest.raises(PermissionDenied):
        services.revoke_feed(actor=staff_membership, feed=feed)
    with pytest.raises(PermissionDenied):
        services.set_personal_data(actor=staff_membership, feed=feed, include_personal_data=True)


def test_every_change_of_a_feed_is_audited(owner_membership, schedule):
    feed = services.create_feed(
        actor=owner_membership, business=schedule.business, schedule=schedule
    )
    services.set_personal_data(actor=owner_membership, feed=feed, include_personal_data=True)
    services.rotate_feed(actor=owner_membership, feed=feed)
    services.revoke_feed(actor=owner_membership, feed=feed)

    actions = ChangeRecord.objects.filter(object_type="CalendarFeed", object_id=str(feed.pk))
    assert sorted(actions.values_list("action", flat=True)) == [
        "create",
        "include_personal_data",
        "revoke",
        "rotate",
    ]
    assert set(actions.values_list("actor", flat=True)) == {owner_membership.user_id}
