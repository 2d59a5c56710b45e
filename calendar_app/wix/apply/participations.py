"""Upstream Participations into the local store.

What the dashboard would do after its own write follows an applied upstream change too: a
cancel or a smaller party frees places for those waiting (``upstream_places_freed``, received by
the participants app's one promotion rule), and a participant added, renamed or readdressed
upstream is shown so in the customer directory (``record_participation``). The answers to our
own writes (``write_through``) do neither: the service that wrote does it. A participation
whose personal data was erased here keeps it erased, whatever a later upstream copy carries.
"""

from django.db import transaction
from django.utils import timezone

from calendar_app.models import Event
from calendar_app.wix import contract, mapping
from calendar_app.wix.apply.events import WRITE_THROUGH, apply_remote_event
from calendar_app.wix.apply.rules import IGNORED, ApplyResult, open_row, save_row
from calendar_app.wix.apply.schedules import ensure_schedule
from calendar_app.wix.client import WixError
from calendar_app.wix.models import WixConnection
from participants.customers.directory import is_anonymised
from participants.customers.services import record_participation
from participants.models import Participation
from participants.signals import upstream_places_freed

PERSONAL_FIELDS = ("name", "email", "phone", "contact_id")


def apply_remote_participation(
    *,
    connection: WixConnection,
    data: dict | contract.Participation,
    removed: bool = False,
    source: str,
    client=None,
) -> ApplyResult:
    """Store an upstream Participation (the spec's JSON, or parsed already) by the revision
    rule; a removal (Delete Participation) sets ``cancelled_date`` and keeps the revision as a
    tombstone.

    A participation of an event not stored here is fetched (the event, through ``client``) or,
    without a client, ignored: a participation row needs its event. The event row is locked
    before the participation's (the order of the dashboard's writes, so the two never wait on
    each other crosswise), and places the change freed go to those waiting in this transaction.
    """
    fields = mapping.participation_from_wire(data)
    participation_id = fields.pop("id")
    with transaction.atomic():
        _lock_event(fields.get("event_id"))
        opening = open_row(
            Participation,
            object_id=participation_id,
            connection=connection,
            revision=fields["revision"],
            removed=removed,
            removed_field="cancelled_date",
        )
        if isinstance(opening, ApplyResult):
            return opening
        stored = opening.stored
        if stored is None:
            reason = _attach_owner(connection, fields, client)
            if reason:
                return ApplyResult("Participation", participation_id, IGNORED, reason=reason)
        else:
            fields.pop("event_id", None)
            fields.pop("schedule_id", None)
            if is_anonymised(stored.name, stored.email, stored.phone):
                for attribute in PERSONAL_FIELDS:  # erased here: never brought back
                    fields.pop(attribute, None)
        if opening.tombstone_only:
            fields = {"revision": opening.revision}
        fields["cancelled_date"] = timezone.now() if removed else None
        before = _before(stored)
        row = save_row(
            Participation,
            opening,
            connection=connection,
            object_id=participation_id,
            fields=fields,
            source=source,
        )
        if source != WRITE_THROUGH:
            _follow(row, before)
    return opening.result("Participation", participation_id)


def _lock_event(event_id: str | None) -> None:
    if event_id:
        list(Event.objects.select_for_update().filter(pk=event_id).values_list("pk", flat=True))


def _before(stored: Participation | None) -> dict | None:
    """What of a stored row an upstream change may free or rename (None: a new row)."""
    if stored is None:
        return None
    return {
        "active": stored.cancelled_date is None,
        "party_size": stored.party_size,
        **{attribute: getattr(stored, attribute) for attribute in PERSONAL_FIELDS},
    }


def _follow(row: Participation, before: dict | None) -> None:
    """After an upstream change: someone new is in the directory at once (not at the next
    catch-up); a stored row frees its places (cancelled, or a smaller party) for those
    waiting, and shows a new name, address or phone in the directory."""
    if before is None:
        if row.cancelled_date is None:
            record_participation(participation=row)
        return
    if before["active"] and (
        row.cancelled_date is not None or row.party_size < before["party_size"]
    ):
        upstream_places_freed.send(
            sender=Participation,
            participation=row,
            cancelled=row.cancelled_date is not None,
            name=before["name"],
        )
    if any(getattr(row, attribute) != before[attribute] for attribute in PERSONAL_FIELDS):
        record_participation(participation=row)


def _attach_owner(connection: WixConnection, fields: dict, client) -> str:
    """Make sure a new participation's event (or schedule) is stored; returns why not, if not."""
    if "event_id" in fields:
        owner = Event.objects.filter(pk=fields["event_id"]).values_list("business_id", flat=True)
        business_id = owner.first()
        if business_id is None and client is not None:
            try:
                apply_remote_event(
                    connection=connection,
                    data=client.get_event(fields["event_id"]),
                    source="fetch",
                    client=client,
                )
            except (WixError, mapping.MappingError) as error:
                return f"its event {fields['event_id']} could not be fetched ({error})"
            business_id = owner.first()
        if business_id is None:
            return f"its event {fields['event_id']} is not stored here"
        if business_id != connection.business_id:
            return "its event belongs to another business"
        return ""
    if "schedule_id" in fields:
        schedule_id = ensure_schedule(
            connection, fields["schedule_id"], name="", time_zone="", client=client
        )
        return "" if schedule_id else "its schedule belongs to another business"
    return "it names neither an event nor a schedule"
