"""calendar_backend(business) looks the backend up: local by default, an upstream's when it
registered one from its AppConfig.ready(); the core never names an upstream."""

import pytest

from calendar_app.backends import (
    LocalCalendarBackend,
    calendar_backend,
    register_calendar_backend,
    registry,
)
from tests.factories import BusinessFactory


def local_factory(business):
    return LocalCalendarBackend()


@pytest.fixture
def scratch_kind():
    """A backend kind no app registered, forgotten again after the test."""
    yield "scratch"
    registry._factories.pop("scratch", None)


def test_a_local_business_writes_through_the_local_backend(business):
    assert isinstance(calendar_backend(business), LocalCalendarBackend)


def test_a_kind_nobody_registered_falls_back_to_the_local_backend(db, scratch_kind):
    business = BusinessFactory.build(backend=scratch_kind)

    assert isinstance(calendar_backend(business), LocalCalendarBackend)


def test_a_registered_factory_answers_for_its_kind(db, scratch_kind):
    answered = []

    def factory(business):
        answered.append(business)
        return LocalCalendarBackend()

    register_calendar_backend(scratch_kind, factory)
    business = BusinessFactory.build(backend=scratch_kind)
    calendar_backend(business)

    assert answered == [business]


def test_registering_the_same_factory_again_is_harmless(scratch_kind):
    register_calendar_backend(scratch_kind, local_factory)
    register_calendar_backend(scratch_kind, local_factory)

    assert registry._factories[scratch_kind] is local_factory


def test_a_second_factory_for_one_kind_is_refused(scratch_kind):
    register_calendar_backend(scratch_kind, local_factory)

    with pytest.raises(RuntimeError, match="already registered"):
        register_calendar_backend(scratch_kind, lambda business: None)
    assert registry._factories[scratch_kind] is local_factory
