"""Upstream Resources (Bookings Resources V2) and the resources of each event."""

from collections import defaultdict

from django.db import transaction
from django.utils import timezone

from calendar_app.models import EventResource, Resource, Schedule
from calendar_app.wix import mapping
from calendar_app.wix.apply.rules import STUB_REVISION, ApplyResult, open_row, save_row
from calendar_app.wix.models import WixConnection


def apply_remote_resource(
    *, connection: WixConnection, data: dict, removed: bool = False, source: str
) -> ApplyResult:
    """Store an upstream resource by the revision rule; a removal soft-deletes."""
    fields = mapping.resource_from_wire(data)
    resource_id = fields.pop("id")
    with transaction.atomic():
        opening = open_row(
            Resource,
            object_id=resource_id,
            connection=connection,
            revision=fields["revision"],
            removed=removed,
            removed_field="removed_date",
        )
        if isinstance(opening, ApplyResult):
            return opening
        if (
            "schedule_id" in fields
            and not Schedule.objects.filter(
                pk=fields["schedule_id"], business_id=connection.business_id
            ).exists()
        ):
            del fields["schedule_id"]
        fields["removed_date"] = timezone.now() if removed else None
        if opening.stored is None:
            fields.setdefault("name", "Resource")
        save_row(
            Resource,
            opening,
            connection=connection,
            object_id=resource_id,
            fields=fields,
            source=source,
        )
    return opening.result("Resource", resource_id)


def link_resources(connection: WixConnection, wanted: dict[str, list[dict]], new: set) -> None:
    """Give each event exactly its resources (``wanted``: event id → the payload's resources),
    stubbing the unknown ones: a few queries for the whole batch, none for unchanged links."""
    current: dict[str, dict[str, str]] = defaultdict(dict)
    stored = [event_id for event_id in wanted if event_id not in new]
    if stored:
        links = EventResource.objects.filter(event_id__in=stored)
        for event_id, resource_id, transparency in links.values_list(
            "event_id", "resource_id", "transparency"
        ):
            current[event_id][resource_id] = transparency
    changed = {
        event_id: {item["id"]: item for item in items}
        for event_id, items in wanted.items()
        if current.get(event_id, {}) != {item["id"]: item["transparency"] for item in items}
    }
    if not changed:
        return
    items = {rid: item for by_id in changed.values() for rid, item in by_id.items()}
    owners = dict(Resource.objects.filter(pk__in=items).values_list("pk", "business_id"))
    Resource.objects.bulk_create(
        [
            Resource(
                id=rid,
                business_id=connection.business_id,
                name=item["name"] or "Resource",
                type=item["type"][:40] or Resource.Type.STAFF,
                revision=STUB_REVISION,
            )
            for rid, item in items.items()
            if rid not in owners
        ],
        ignore_conflicts=True,
    )
    relinked = [event_id for event_id in changed if current.get(event_id)]
    if relinked:
        EventResource.objects.filter(event_id__in=relinked).delete()
    EventResource.objects.bulk_create(
        [
            EventResource(event_id=event_id, resource_id=rid, transparency=item["transparency"])
            for event_id, by_id in changed.items()
            for rid, item in by_id.items()
            if owners.get(rid, connection.business_id) == connection.business_id
        ]
    )
