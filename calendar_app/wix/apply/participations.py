"""Upstream Participations into the local store."""

from django.db import transaction
from django.utils import timezone

from calendar_app.models import Event
from calendar_app.wix import contract, mapping
from calendar_app.wix.apply.events import apply_remote_event
from calendar_app.wix.apply.rules import IGNORED, ApplyResult, open_row, save_row
from calendar_app.wix.apply.schedules import ensure_schedule
from calendar_app.wix.client import WixError
from calendar_app.wix.models import WixConnection
from participants.models import Participation


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
    without a client, ignored: a participation row needs its event.
    """
    fields = mapping.participation_from_wire(data)
    participation_id = fields.pop("id")
    with transaction.atomic():
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
        if opening.stored is None:
            reason = _attach_owner(connection, fields, client)
            if reason:
                return ApplyResult("Participation", participation_id, IGNORED, reason=reason)
        else:
            fields.pop("event_id", None)
            fields.pop("schedule_id", None)
        if opening.tombstone_only:
            fields = {"revision": opening.revision}
        fields["cancelled_date"] = timezone.now() if removed else None
        save_row(
            Participation,
            opening,
            connection=connection,
            object_id=participation_id,
            fields=fields,
            source=source,
        )
    return opening.result("Participation", participation_id)


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
