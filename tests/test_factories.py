"""Every model has a factory that builds a valid, tenant-consistent row."""

import pytest

from tests import factories

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "factory",
    [
        factories.UserFactory,
        factories.BusinessFactory,
        factories.MembershipFactory,
        factories.ScheduleFactory,
        factories.ResourceFactory,
        factories.EventFactory,
        factories.EventResourceFactory,
        factories.ParticipationFactory,
        factories.ChangeRecordFactory,
    ],
)
def test_the_factory_saves_a_valid_row(factory):
    obj = factory()

    obj.full_clean(exclude=["password", "id"])
    assert type(obj).objects.filter(pk=obj.pk).exists()


def test_an_event_belongs_to_its_schedule_business_and_spans_its_duration():
    event = factories.EventFactory()

    assert event.business == event.schedule.business
    assert event.end > event.start
    assert event.start_local_date < event.end_local_date


def test_an_event_resource_stays_inside_one_business():
    link = factories.EventResourceFactory()

    assert link.resource.business == link.event.business


def test_a_participation_belongs_to_its_event_business():
    participation = factories.ParticipationFactory()

    assert participation.business == participation.event.business
