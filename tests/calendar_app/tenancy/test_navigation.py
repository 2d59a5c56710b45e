"""The navigation: the top bar's sections, a section's second row and the settings sections
that apps register (``calendar_app.tenancy.navigation``)."""

import pytest
from django.urls import reverse

from calendar_app.tenancy import navigation

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("path", "section"),
    [
        ("/", "calendar"),
        ("/calendar/week/", "calendar"),
        ("/events/new/", "calendar"),
        ("/schedules/", "calendar"),
        ("/bookings/", "bookings"),
        ("/bookings/resources/", "settings"),
        ("/bookings/resources/7/", "settings"),
        ("/settings/", "settings"),
        ("/settings/wix/health/", "settings"),
        ("/settings/api/", "settings"),
        ("/subscribe/", "settings"),
        ("/team/", "settings"),
    ],
)
def test_each_page_belongs_to_one_top_bar_section(path, section):
    assert navigation.current_section(path) == section


def test_every_settings_page_is_registered_in_the_hub_s_order(owner_membership):
    names = [s.name for s in navigation.settings_sections(owner_membership)]

    assert names == [
        "Reports",
        "Team",
        "Resources",
        "Subscribe",
        "Notifications",
        "Outbox",
        "Wix",
        "Magicline",
        "API",
        "Conferencing",
    ]


def test_staff_get_only_the_sections_open_to_them(staff_membership):
    assert [s.name for s in navigation.settings_sections(staff_membership)] == [
        "Subscribe",
        "Outbox",
    ]


def test_registering_a_section_again_replaces_it_rather_than_doubling_it(owner_membership):
    team = next(s for s in navigation.settings_sections(owner_membership) if s.name == "Team")

    navigation.register_settings_section("Team", team.url_name, team.status, order=team.order)

    names = [s.name for s in navigation.settings_sections(owner_membership)]
    assert names.count("Team") == 1


def test_a_settings_page_s_second_row_marks_it_current(owner_membership):
    links = navigation.section_links(reverse("magicline:health"), owner_membership)

    assert [(link.label, link.current) for link in links if link.current] == [("Magicline", True)]
    assert links[0].label == "All settings"


def test_a_calendar_page_s_second_row_offers_block_time_to_owners_only(
    owner_membership, staff_membership
):
    owner_links = navigation.section_links(reverse("calendar_app:schedules"), owner_membership)
    staff_links = navigation.section_links(reverse("calendar_app:schedules"), staff_membership)

    assert [link.label for link in owner_links] == ["New event", "Block time", "Schedules"]
    assert [link.label for link in staff_links] == ["New event", "Schedules"]
    assert [link.label for link in owner_links if link.current] == ["Schedules"]


@pytest.mark.parametrize("url_name", ["bookings:book", "calendar_app:settings"])
def test_the_booking_screen_and_the_hub_have_no_second_row(owner_membership, url_name):
    assert navigation.section_links(reverse(url_name), owner_membership) == []
