"""Write-through to Wix Calendar V3: the CalendarBackend of a connected business.

Each dashboard write calls the upstream with the revision the person saw, then applies the
upstream's answer through ``calendar_app.wix.apply`` (source ``write_through``), so the local
store changes only with what the upstream accepted:

- a stale revision (here, or the upstream's 409) raises the same ``RevisionConflict`` as the
  local backend, carrying the row as stored (refreshed from the upstream when it answers), so the
  views show the same conflict fragment and nothing the person typed overwrites anything;
- an upstream that is down, too slow or rate-limiting after the client's retries raises
  ``CalendarUnavailable`` (503: "the calendar service is not reachable; nothing was changed");
- what the upstream cannot do is refused with a clear message: reactivating a cancelled schedule
  or event (spec §3.1, §3.3: no such endpoint), undoing a deleted participation, and any
  participation write on Wix Bookings events (§6.6: Bookings owns them).

Occurrences are the upstream's own INSTANCE/EXCEPTION rows with opaque ids; nothing is
materialized here, and the events view is rolled forward by Wix itself.

A business set to mirror Wix without a (complete) connection gets ``NotConnectedBackend``: its
pages read the mirrored rows as they are, and every write is refused with ``NOT_CONNECTED``.
"""

import contextlib
from collections.abc import Iterable
from datetime import datetime

from django.db.models import QuerySet

from calendar_app.backends import (
    EDITABLE_ATTRIBUTES,
    SCHEDULE_EDITABLE_ATTRIBUTES,
    CalendarBackend,
    ParticipantNotification,
    Scope,
    refuse_uneditable,
    stored_current,
)
from calendar_app.errors import CalendarError, CalendarUnavailable, RevisionConflict
from calendar_app.models import Event, Schedule
from calendar_app.tenancy.models import Business
from calendar_app.wix import mapping
from calendar_app.wix.apply import (
    apply_remote_event,
    apply_remote_participation,
    apply_remote_schedule,
)
from calendar_app.wix.apply.events import WRITE_THROUGH
from calendar_app.wix.client import (
    WixClient,
    WixError,
    WixNotFound,
    WixRevisionConflict,
    WixUnavailable,
)
from calendar_app.wix.models import WixConnection
from participants.models import Participation

SOURCE = WRITE_THROUGH
NOT_CONNECTED = (
    "This business is set to mirror Wix but is not connected yet; connect it in Settings → Wix."
)
BOOKINGS_READ_ONLY = (
    "Wix Bookings manages the participants of this event, so they are read-only here: "
    "change them in Wix Bookings."
)


def _wire_name(attribute: str) -> str:
    """A model attribute's REST name (``default_title`` → ``defaultTitle``)."""
    first, *rest = attribute.split("_")
    return first + "".join(word.title() for word in rest)


# The Update Schedule patch's names of the schedule attributes a dashboard edit may change.
SCHEDULE_WIRE_NAMES = {name: _wire_name(name) for name in SCHEDULE_EDITABLE_ATTRIBUTES}


class WixCalendarBackend:
    """Calendar writes of a business connected to Wix (``Business.Backend.WIX``)."""

    can_restore_schedule = False
    can_restore_event = False
    can_restore_participation = False

    def __init__(self, *, connection: WixConnection, client: WixClient | None = None):
        self.connection = connection
        self._client = client

    @property
    def client(self) -> WixClient:
        if self._client is None:
            self._client = WixClient.for_connection(self.connection)
        return self._client

    def _call(self, operation, *, stale_row=None):
        """Run an upstream call; its errors become the dashboard's errors (see the module)."""
        try:
            return operation()
        except WixRevisionConflict as error:
            if stale_row is None:  # a create has no revision to be stale: the upstream refuses
                raise CalendarError(f"The calendar service refused the change: {error}") from error
            raise RevisionConflict(self._refreshed(stale_row)) from None
        except WixUnavailable as error:
            raise CalendarUnavailable() from error
        except WixNotFound as error:
            raise CalendarError(
                "The calendar service no longer has this item; nothing was changed."
            ) from error
        except WixError as error:
            raise CalendarError(f"The calendar service refused the change: {error}") from error

    def _refreshed(self, row):
        """The row as the upstream has it now (applied), or as stored when it cannot say."""
        if row is None:
            return None
        with contextlib.suppress(WixError, mapping.MappingError):  # stored row is the answer
            if isinstance(row, Event):
                apply_remote_event(
                    connection=self.connection,
                    data=self.client.get_event(row.pk),
                    source=SOURCE,
                    client=self.client,
                )
            elif isinstance(row, Participation):
                apply_remote_participation(
                    connection=self.connection,
                    data=self.client.get_participation(row.pk),
                    source=SOURCE,
                )
            elif isinstance(row, Schedule):
                apply_remote_schedule(
                    connection=self.connection,
                    data=self.client.get_schedule(row.pk),
                    source=SOURCE,
                )
        return type(row).objects.get(pk=row.pk)

    def _apply_event(self, data: dict) -> Event:
        apply_remote_event(connection=self.connection, data=data, source=SOURCE, client=self.client)
        return Event.objects.get(pk=data["id"])

    # Schedules

    def create_schedule(self, *, business: Business, **fields) -> Schedule:
        if fields.get("is_blocked_time"):
            raise CalendarError("Blocked time is not available for a calendar connected to Wix.")
        schedule = Schedule(
            business=business,
            name=fields["name"],
            default_title=fields.get("default_title") or fields["name"],
            default_capacity=fields.get("default_capacity"),
            default_location=fields.get("default_location"),
            time_zone=fields.get("time_zone") or business.time_zone,
        )
        wire = mapping.schedule_to_wire(schedule, for_create=True)
        data = self._call(lambda: self.client.create_schedule(wire))
        apply_remote_schedule(connection=self.connection, data=data, source=SOURCE)
        return Schedule.objects.get(pk=data["id"])

    def cancel_schedule(
        self,
        *,
        schedule: Schedule,
        expected_revision: int,
        notification: ParticipantNotification | None = None,
    ) -> Schedule:
        """Cancel upstream (one call): Wix cancels the future events itself (telling their
        participants when the owner chose to), and their cancellations arrive through the
        sync, each audited as an upstream change."""
        current = stored_current(Schedule, schedule.pk, expected_revision)
        if current.status == Schedule.Status.CANCELLED:
            raise CalendarError("This schedule is already cancelled.")
        data = self._call(
            lambda: self.client.cancel_schedule(
                schedule.pk, notification=mapping.participant_notification(notification)
            ),
            stale_row=current,
        )
        apply_remote_schedule(connection=self.connection, data=data, source=SOURCE)
        return Schedule.objects.get(pk=schedule.pk)

    def schedule_cancel_cascade(self, *, schedule: Schedule, since: datetime) -> QuerySet[Event]:
        """Nothing to cancel here: the upstream cancels the schedule's events itself."""
        return Event.objects.none()

    def cancel_cascaded_events(
        self, *, schedule: Schedule, since: datetime, limit: int
    ) -> list[Event]:
        return []

    def restore_schedule(self, *, schedule: Schedule, expected_revision: int) -> Schedule:
        raise CalendarError(
            "A schedule cancelled in Wix cannot be reactivated; create a new schedule instead."
        )

    def update_schedule(
        self, *, schedule: Schedule, expected_revision: int, changes: dict
    ) -> Schedule:
        refuse_uneditable(changes, SCHEDULE_EDITABLE_ATTRIBUTES)
        current = stored_current(Schedule, schedule.pk, expected_revision)
        if current.status == Schedule.Status.CANCELLED:
            raise CalendarError("A cancelled schedule cannot be changed.")
        patch = {SCHEDULE_WIRE_NAMES[name]: value for name, value in changes.items()}
        data = self._call(
            lambda: self.client.update_schedule(
                schedule.pk, revision=expected_revision, changes=patch
            ),
            stale_row=current,
        )
        apply_remote_schedule(connection=self.connection, data=data, source=SOURCE)
        return Schedule.objects.get(pk=schedule.pk)

    # Events

    def create_event(self, *, schedule: Schedule, resource_ids: Iterable[str], **fields) -> Event:
        """Create upstream (a ``recurrenceRule`` makes a MASTER; Wix makes its instances)."""
        if schedule.status == Schedule.Status.CANCELLED:
            raise CalendarError("This schedule is cancelled; it cannot take new events.")
        wire = mapping.event_changes_to_wire(
            {
                name: value
                for name, value in fields.items()
                if value not in (None, "") and name in (*EDITABLE_ATTRIBUTES, "type")
            }
        )
        wire["scheduleId"] = schedule.pk
        if fields.get("recurrence_rule"):
            wire["recurrenceRule"] = fields["recurrence_rule"]
        resource_ids = list(resource_ids)
        if resource_ids:
            wire["resources"] = [{"id": resource_id} for resource_id in resource_ids]
        return self._apply_event(self._call(lambda: self.client.create_event(wire)))

    def update_event(
        self,
        *,
        event: Event,
        expected_revision: int,
        changes: dict,
        notification: ParticipantNotification | None = None,
    ) -> Event:
        """Update Event with the known revision (an INSTANCE becomes an EXCEPTION upstream; a
        MASTER's changes reach its future occurrences through the sync); Wix tells the
        participants when the owner chose to (``participantNotification``)."""
        refuse_uneditable(changes, (*EDITABLE_ATTRIBUTES, "resource_ids"))
        current = stored_current(Event, event.pk, expected_revision)
        if current.is_cancelled:
            raise CalendarError("A cancelled event cannot be edited.")
        start = changes.get("start_local_date", current.start_local)
        end = changes.get("end_local_date", current.end_local)
        if _as_text(end) <= _as_text(start):
            raise CalendarError("The event must end after it starts.")
        patch = mapping.event_changes_to_wire(changes)
        data = self._call(
            lambda: self.client.update_event(
                event.pk,
                revision=expected_revision,
                changes=patch,
                notification=mapping.participant_notification(notification),
            ),
            stale_row=current,
        )
        return self._apply_event(data)

    def update_following(
        self, *, occurrence: Event, expected_revision: int, changes: dict
    ) -> Event:
        """Refused: this and the following occurrences need Wix's Split Recurring Event, whose
        path the spec leaves unconfirmed; one occurrence or the whole series can be edited."""
        raise CalendarError(
            "Wix edits one occurrence or the whole series, not the following ones; "
            "edit this occurrence or the series."
        )

    def cancel_event(
        self,
        *,
        event: Event,
        expected_revision: int,
        scope: Scope,
        notification: ParticipantNotification | None = None,
    ) -> Event:
        """Cancel one occurrence, or (``Scope.ALL``) the MASTER, which Wix cascades to the
        future occurrences; the answer is applied, the cascade arrives through the sync. Wix
        tells the participants when the owner chose to (``participantNotification``)."""
        if scope == Scope.FOLLOWING:
            raise CalendarError(
                "Wix cancels one occurrence or the whole series, not the following ones; "
                "cancel them one by one or cancel the series."
            )
        whole_series = scope == Scope.ALL
        current = stored_current(Event, event.pk, expected_revision)
        if current.is_cancelled and not whole_series:
            raise CalendarError("This event is already cancelled.")
        target = current.series_id if whole_series else current.pk
        data = self._call(
            lambda: self.client.cancel_event(
                target, notification=mapping.participant_notification(notification)
            ),
            stale_row=current,
        )
        self._apply_event(data)
        return Event.objects.get(pk=event.pk)

    def restore_event(self, *, event: Event, expected_revision: int, scope: Scope) -> Event:
        raise CalendarError("Wix cannot restore a cancelled event; create a new event instead.")

    def extend_events_view(self, *, business: Business) -> int:
        """Nothing to do here: Wix rolls its events view forward itself (§3.2) and the newly
        covered events arrive through the sync."""
        return 0

    # Participations

    def participations_read_only_reason(self, *, event: Event) -> str:
        if event.app_id == mapping.WIX_BOOKINGS_APP_ID:
            return BOOKINGS_READ_ONLY
        return ""

    def _refresh_event(self, event_id: str) -> None:
        """Participations change the event's ``remainingCapacity`` upstream: read it back."""
        with contextlib.suppress(WixError, mapping.MappingError):  # the next update brings it
            self._apply_event(self.client.get_event(event_id))

    def _apply_participation(self, data: dict) -> Participation:
        apply_remote_participation(
            connection=self.connection, data=data, source=SOURCE, client=self.client
        )
        return Participation.objects.get(pk=data["id"])

    def add_participation(self, *, event: Event, values: dict, idempotency_key: str):
        wire = {
            "eventId": event.pk,
            "participant": {
                key: value
                for key, value in (
                    ("name", values["name"]),
                    ("email", values.get("email")),
                    ("phone", values.get("phone")),
                )
                if value
            },
            "partySize": values["party_size"],
            "status": values.get("status") or Participation.Status.CONFIRMED,
        }
        data = self._call(
            lambda: self.client.create_participation(wire, idempotency_key=idempotency_key or None)
        )
        participation = self._apply_participation(data)
        # Local-only annotations: the notes, and the form's key against double submits.
        Participation.objects.filter(pk=participation.pk).update(
            notes=values.get("notes", ""), idempotency_key=idempotency_key
        )
        self._refresh_event(event.pk)
        return Participation.objects.get(pk=participation.pk)

    def update_participation(
        self, *, participation: Participation, expected_revision: int, values: dict
    ):
        values = dict(values)
        notes = values.pop("notes", None)
        patch: dict = {}
        participant = {
            wire: values.pop(name)
            for name, wire in (("name", "name"), ("email", "email"), ("phone", "phone"))
            if name in values
        }
        if participant:
            patch["participant"] = participant
        if "party_size" in values:
            patch["partySize"] = values.pop("party_size")
        if "status" in values:
            patch["status"] = values.pop("status")
        if patch:
            data = self._call(
                lambda: self.client.update_participation(
                    participation.pk, revision=expected_revision, changes=patch
                ),
                stale_row=participation,
            )
            self._apply_participation(data)
        if notes is not None:
            Participation.objects.filter(pk=participation.pk).update(notes=notes)
        if "partySize" in patch:
            self._refresh_event(participation.event_id)
        return Participation.objects.get(pk=participation.pk)

    def cancel_participation(self, *, participation: Participation, expected_revision: int):
        """Delete Participation upstream; the row is soft-deleted here with its revision kept
        as the tombstone (a removal applies at an equal revision)."""
        self._call(
            lambda: self.client.delete_participation(participation.pk), stale_row=participation
        )
        current = Participation.objects.get(pk=participation.pk)
        apply_remote_participation(
            connection=self.connection,
            data=mapping.participation_to_wire(current),
            removed=True,
            source=SOURCE,
        )
        self._refresh_event(participation.event_id)
        return Participation.objects.get(pk=participation.pk)

    def restore_participation(self, *, participation: Participation, expected_revision: int):
        raise CalendarError(
            "A participation deleted in Wix cannot be brought back; add the participant again."
        )


def bookings_app_id() -> str:
    """The appId of Wix Bookings' schedules and events (its services and their sessions)."""
    return mapping.WIX_BOOKINGS_APP_ID


def wix_backend(business: Business) -> CalendarBackend:
    """The backend of a business whose ``backend`` is ``wix``: write-through when its
    connection is complete, else one that refuses every write with ``NOT_CONNECTED``."""
    try:
        connection = business.wix_connection
    except WixConnection.DoesNotExist:
        return NotConnectedBackend()
    if not connection.is_complete:
        return NotConnectedBackend()
    return WixCalendarBackend(connection=connection)


class NotConnectedBackend:
    """A business set to mirror Wix that is not connected (yet): nothing can be written, since
    the upstream owns the calendar and cannot be reached; reads of the mirrored rows work, and
    nothing offers what the upstream could not do either (restores)."""

    can_restore_schedule = False
    can_restore_event = False
    can_restore_participation = False

    @staticmethod
    def _refuse(**kwargs):
        raise CalendarError(f"{NOT_CONNECTED} Nothing was changed.")

    create_schedule = cancel_schedule = restore_schedule = update_schedule = _refuse
    create_event = update_event = update_following = cancel_event = restore_event = _refuse
    add_participation = update_participation = _refuse
    cancel_participation = restore_participation = _refuse

    def extend_events_view(self, *, business: Business) -> int:
        """Nothing to extend: the upstream's own view arrives once it is connected."""
        return 0

    def participations_read_only_reason(self, *, event: Event) -> str:
        return NOT_CONNECTED


def _as_text(value) -> str:
    """A local date-time (string or datetime) as the sortable ``localDate`` text."""
    return value if isinstance(value, str) else value.strftime("%Y-%m-%dT%H:%M:%S")
