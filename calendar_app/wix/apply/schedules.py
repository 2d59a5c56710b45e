"""Upstream Schedules into the local store (a schedule is never removed upstream; a cancelled
one arrives as an update with status CANCELLED)."""

import logging

from django.db import transaction

from calendar_app.models import Schedule
from calendar_app.wix import contract, mapping
from calendar_app.wix.apply.rules import STUB_REVISION, ApplyResult, open_row, save_row
from calendar_app.wix.client import WixError
from calendar_app.wix.models import WixConnection

logger = logging.getLogger(__name__)


def apply_remote_schedule(
    *, connection: WixConnection, data: dict | contract.Schedule, source: str, client=None
) -> ApplyResult:
    """Store an upstream Schedule (the spec's JSON, or parsed already) if its revision is newer
    than ours (``client`` is taken as every apply takes it; a schedule refers to nothing that
    would need fetching)."""
    fields = mapping.schedule_from_wire(data)
    schedule_id = fields.pop("id")
    with transaction.atomic():
        opening = open_row(
            Schedule, object_id=schedule_id, connection=connection, revision=fields["revision"]
        )
        if isinstance(opening, ApplyResult):
            return opening
        if opening.stored is None:
            fields.setdefault("name", fields.get("default_title") or "Schedule")
        save_row(
            Schedule,
            opening,
            connection=connection,
            object_id=schedule_id,
            fields=fields,
            source=source,
        )
    return opening.result("Schedule", schedule_id)


def ensure_schedule(
    connection: WixConnection, schedule_id: str | None, *, name: str, time_zone: str, client
) -> str | None:
    """The id of a stored schedule of this business for ``schedule_id``: fetched through the
    client or stubbed (revision 0: any real payload replaces it) when unknown; None when it
    belongs to another business."""
    schedule_id = schedule_id or f"unknown-schedule-{connection.business_id}"
    owner = Schedule.objects.filter(pk=schedule_id).values_list("business_id", flat=True).first()
    if owner is not None:
        return schedule_id if owner == connection.business_id else None
    if client is not None:
        try:
            apply_remote_schedule(
                connection=connection, data=client.get_schedule(schedule_id), source="fetch"
            )
            return schedule_id
        except (WixError, mapping.MappingError) as error:
            logger.warning(
                "Schedule %s could not be fetched (%s); stored a stub.", schedule_id, error
            )
    Schedule.objects.get_or_create(
        pk=schedule_id,
        defaults={
            "business_id": connection.business_id,
            "name": name or "Schedule",
            "time_zone": time_zone,
            "revision": STUB_REVISION,
        },
    )
    return schedule_id
