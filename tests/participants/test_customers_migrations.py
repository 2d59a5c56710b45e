"""The backfill migration fills each business's directory from the rows there already are."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from participants.customers.models import Person, PersonLink
from tests.factories import CustomerFactory, EventFactory, ParticipationFactory

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("customers", "0002_search_index")]
AFTER = [("customers", "0003_backfill")]


def migrate(targets) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


def test_the_backfill_links_existing_participants_and_customers(business, other_business):
    migrate(BEFORE)
    event = EventFactory(schedule__business=business)
    ParticipationFactory(event=event, name="Ada", email="Ada@example.com")
    ParticipationFactory(event=event, name="Walk-in", email="")
    CustomerFactory(business=business, first_name="Ada", last_name="L", email="ada@example.com")
    CustomerFactory(business=other_business, email="ada@example.com")

    migrate(AFTER)

    assert sorted(Person.objects.filter(business=business).values_list("name", flat=True)) == [
        "Ada L",
        "Walk-in",
    ]
    assert Person.objects.filter(business=other_business).count() == 1
    assert PersonLink.objects.count() == 4
