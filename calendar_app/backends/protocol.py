"""What every calendar backend offers, and the field lists both kinds of backend share.

Services call ``calendar_backend(business)`` and never ask which backend answers: the local one
(``LocalCalendarBackend``) or an upstream's, registered from its ``AppConfig.ready()``. Both
satisfy ``CalendarBackend`` and refuse the same fields with the same sentence.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from django.db.models import QuerySet

from calendar_app.errors import CalendarError
from calendar_app.models import Event, Schedule
from calendar_app.tenancy.models import Business
from participants.models import Participation


@dataclass(frozen=True)
class ParticipantNotification:
    """The owner's choice to tell an event's participants of a change, with their own words
    ("" for none). An upstream that tells its participants itself (Wix) gets it with the write;
    the local calendar tells nobody itself (the notifications app follows the signals)."""

    notify: bool = False
    message: str = ""


class Scope(StrEnum):
    """How far a cancel or restore of an occurrence reaches, as calendars ask it: this one, this
    and the following ones (from the chosen occurrence's start), or the whole series."""

    THIS = "this"
    FOLLOWING = "following"
    ALL = "series"


# Fields an INSTANCE/EXCEPTION inherits from its MASTER (the spec's Field enum).
INHERITABLE_FIELDS = ("TITLE", "TIME", "LOCATION", "RESOURCES", "CAPACITY", "CONFERENCING_DETAILS")
FIELD_OF_ATTRIBUTE = {
    "title": "TITLE",
    "start_local_date": "TIME",
    "end_local_date": "TIME",
    "location": "LOCATION",
    "resources": "RESOURCES",
    "total_capacity": "CAPACITY",
    "conferencing_details": "CONFERENCING_DETAILS",
}
# The event attributes a dashboard edit may change (``resource_ids`` besides), on every backend.
EDITABLE_ATTRIBUTES = (
    "title",
    "start_local_date",
    "end_local_date",
    "location",
    "total_capacity",
    "conferencing_details",
    "notes",
    "transparency",
)
# The schedule attributes a dashboard edit may change; ``appId`` and ``externalId`` are fixed.
SCHEDULE_EDITABLE_ATTRIBUTES = (
    "name",
    "time_zone",
    "default_title",
    "default_location",
    "default_capacity",
    "default_conferencing_details",
)


def refuse_uneditable(changes: Iterable[str], editable: Iterable[str]) -> None:
    """Refuse ``changes`` naming an attribute outside ``editable``, naming them all."""
    unknown = set(changes) - set(editable)
    if unknown:
        raise CalendarError(f"These fields cannot be edited: {', '.join(sorted(unknown))}.")


class CalendarBackend(Protocol):
    # Whether a cancelled schedule / event / participation can be reactivated (upstream,
    # cancelling or deleting is final).
    can_restore_schedule: bool
    can_restore_event: bool
    can_restore_participation: bool

    def create_schedule(self, *, business: Business, **fields) -> Schedule: ...

    def cancel_schedule(
        self,
        *,
        schedule: Schedule,
        expected_revision: int,
        notification: ParticipantNotification | None = None,
    ) -> Schedule: ...

    def schedule_cancel_cascade(
        self, *, schedule: Schedule, since: datetime
    ) -> QuerySet[Event]: ...

    def cancel_cascaded_events(
        self, *, schedule: Schedule, since: datetime, limit: int
    ) -> list[Event]: ...

    def restore_schedule(self, *, schedule: Schedule, expected_revision: int) -> Schedule: ...

    def update_schedule(
        self, *, schedule: Schedule, expected_revision: int, changes: dict
    ) -> Schedule: ...

    def create_event(
        self, *, schedule: Schedule, resource_ids: Iterable[str], **fields
    ) -> Event: ...

    def update_event(
        self,
        *,
        event: Event,
        expected_revision: int,
        changes: dict,
        notification: ParticipantNotification | None = None,
    ) -> Event: ...

    def update_following(
        self, *, occurrence: Event, expected_revision: int, changes: dict
    ) -> Event: ...

    def cancel_event(
        self,
        *,
        event: Event,
        expected_revision: int,
        scope: Scope,
        notification: ParticipantNotification | None = None,
    ) -> Event: ...

    def restore_event(self, *, event: Event, expected_revision: int, scope: Scope) -> Event: ...

    def extend_events_view(self, *, business: Business) -> int: ...

    def participations_read_only_reason(self, *, event: Event) -> str: ...

    def add_participation(
        self, *, event: Event, values: dict, idempotency_key: str
    ) -> Participation: ...

    def update_participation(
        self, *, participation: Participation, expected_revision: int, values: dict
    ) -> Participation: ...

    def cancel_participation(
        self, *, participation: Participation, expected_revision: int
    ) -> Participation: ...

    def restore_participation(
        self, *, participation: Participation, expected_revision: int
    ) -> Participation: ...
