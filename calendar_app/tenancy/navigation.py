"""What every page's header shows: the top bar's sections, the settings hub's sections and the
warning about where the calendar lives. Upstreams and optional apps fill them from their
``AppConfig.ready()`` (``register_settings_section``, ``backend_notice``), so the core never
imports them (``calendar_app.extensions.Hook``)."""

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from django.conf import settings
from django.db.models import Count, Q
from django.urls import get_script_prefix, get_urlconf, reverse

from calendar_app.extensions import Hook
from calendar_app.tenancy.models import Business, Membership

# The warning every page of a business shows about where its calendar lives (for example a
# business set to mirror Wix that is not connected yet: its calendar is read-only until then);
# empty when there is nothing to say.
backend_notice = Hook("backend_notice", lambda business: "")


@dataclass(frozen=True)
class SettingsSection:
    """One link of the settings hub: its name, page, one-line status and who may open it."""

    name: str
    url_name: str
    status: Callable[[Business], str]
    order: int
    owners_only: bool

    @property
    def url(self) -> str:
        return cached_reverse(self.url_name)


_settings_sections: dict[str, SettingsSection] = {}


def register_settings_section(
    name: str,
    url_name: str,
    status: Callable[[Business], str],
    order: int,
    *,
    owners_only: bool = True,
) -> None:
    """Add a section to the settings hub. ``status(business)`` says in one line how it stands
    (at most two queries); ``owners_only`` hides it from staff, whose pages refuse them."""
    _settings_sections[name] = SettingsSection(name, url_name, status, order, owners_only)


def settings_sections(membership: Membership | None) -> list[SettingsSection]:
    """The sections ``membership`` may open, in the hub's order (no query)."""
    is_owner = membership is not None and membership.is_owner
    sections = sorted(_settings_sections.values(), key=lambda s: (s.order, s.name))
    return [s for s in sections if is_owner or not s.owners_only]


def current_section(path: str) -> str:
    """The top bar's section of the page at ``path``: "settings" for the hub and its sections'
    pages, "bookings" for the booking screen, "customers" for the customer pages, "calendar"
    for everything else (no query)."""
    sections = _settings_sections.values()
    settings_paths = [cached_reverse("calendar_app:settings"), *(s.url for s in sections)]
    if any(path.startswith(prefix) for prefix in settings_paths):
        return "settings"
    if path.startswith(cached_reverse("bookings:book")):
        return "bookings"
    if path.startswith(cached_reverse("customers:list")):
        return "customers"
    return "calendar"


def cached_reverse(url_name: str, *args: str) -> str:
    """``reverse(url_name, args=args)``, kept per script prefix and URLconf: every page's top
    bar works out its section from a dozen addresses, and a calendar page links to dozens of
    variations of itself."""
    return _reversed(url_name, args, get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF)


@cache
def _reversed(url_name: str, args: tuple[str, ...], _script_prefix: str, urlconf: str) -> str:
    # The prefix is part of the key: reverse() puts the current one in front of the path.
    return reverse(url_name, args=args, urlconf=urlconf)


def _team_status(business: Business) -> str:
    """How many members the business has, and how many of them are deactivated (one query)."""
    counts = Membership.objects.filter(business=business).aggregate(
        active=Count("pk", filter=Q(is_active=True)),
        inactive=Count("pk", filter=Q(is_active=False)),
    )
    line = f"{counts['active']} active member{'s' if counts['active'] != 1 else ''}"
    return f"{line}, {counts['inactive']} deactivated" if counts["inactive"] else line


register_settings_section("Team", "calendar_app:team", _team_status, order=10)


@dataclass(frozen=True)
class NavLink:
    """One link of a section's second row; ``current`` marks the page shown."""

    label: str
    url: str
    current: bool


def section_links(
    path: str, membership: Membership | None, *, section: str | None = None
) -> list[NavLink]:
    """The second row under the top bar: the settings sections on a section's pages (the hub
    lists them itself), the calendar's pages (new event, block time, schedules) on calendar
    pages (no query). ``section`` is ``current_section(path)`` when the caller has it."""
    section = section or current_section(path)
    hub = cached_reverse("calendar_app:settings")
    if section == "settings" and path != hub:
        links = [NavLink("All settings", hub, False)]
        return links + [
            NavLink(s.name, s.url, path.startswith(s.url)) for s in settings_sections(membership)
        ]
    if section != "calendar":
        return []  # the booking screen and the hub
    pages = [("New event", "calendar_app:event_create"), ("Schedules", "calendar_app:schedules")]
    if membership is not None and membership.is_owner:
        pages.insert(1, ("Block time", "calendar_app:block_time"))
    urls = [(label, cached_reverse(name)) for label, name in pages]
    return [NavLink(label, url, path.startswith(url)) for label, url in urls]


def settings_statuses(membership: Membership) -> list[tuple[SettingsSection, str]]:
    """The hub's rows: each section ``membership`` may open with its business's status line
    (one or two queries a section, however much data the business has)."""
    return [(s, s.status(membership.business)) for s in settings_sections(membership)]
