"""Shared fixtures: an owner, a staff member and an outsider (another business's owner)."""

import os

import pytest

from tests.factories import BusinessFactory, MembershipFactory, ScheduleFactory, weekly_series

PASSWORD = "correct-horse-battery"

# The fakes listen on loopback, which the egress policy refuses unless EGRESS_ALLOW names it:
# the environment for the workers the integration tests start, the setting for this process.
LOOPBACK = "127.0.0.0/8,::1/128"
os.environ["EGRESS_ALLOW"] = LOOPBACK


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """A cheap hasher for test users: the real one costs a few hundred ms per login and user."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def egress_allows_loopback(settings):
    """The fake upstreams and receivers are on loopback (tests of the refusal override this)."""
    settings.EGRESS_ALLOW = LOOPBACK.split(",")


@pytest.fixture
def business(db):
    return BusinessFactory(name="Demo Studio", slug="demo", time_zone="Europe/Berlin")


@pytest.fixture
def owner(business):
    return MembershipFactory(business=business, role="owner", user__username="owner").user


@pytest.fixture
def owner_membership(owner, business):
    return owner.memberships.get(business=business)


@pytest.fixture
def staff(business):
    return MembershipFactory(business=business, role="staff", user__username="staff").user


@pytest.fixture
def staff_membership(staff, business):
    return staff.memberships.get(business=business)


@pytest.fixture
def other_business(db):
    return BusinessFactory(name="Other Studio", slug="other", time_zone="America/New_York")


@pytest.fixture
def outsider(other_business):
    return MembershipFactory(business=other_business, role="owner", user__username="outsider").user


@pytest.fixture
def schedule(business):
    return ScheduleFactory(business=business, name="Classes", default_capacity=10)


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner)
    return client


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


@pytest.fixture
def series(schedule, owner_membership):
    """A weekly series (MASTER + materialized instances) created by the owner."""
    return weekly_series(schedule, actor=owner_membership)


@pytest.fixture
def wix_server():
    """A fake Calendar V3 server on loopback (tests/fakes/wix_server.py), stopped afterwards."""
    from tests.fakes.wix_server import FakeWixServer

    with FakeWixServer() as fake:
        yield fake
