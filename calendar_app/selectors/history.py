"""An event's history: its audit records as the History panel lists them."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from calendar_app.models import ChangeRecord, Event
from calendar_app.tenancy.models import Business

HISTORY_LIMIT = 100


@dataclass(frozen=True)
class HistoryEntry:
    """One audited change of an event, as the History panel lists it."""

    when: datetime
    who: str
    action: str
    changes: list[tuple[str, Any, Any]]
    revision_before: int | None
    revision_after: int | None


def event_history(business: Business, event: Event) -> list[HistoryEntry]:
    """The event's audit records, newest first (at most ``HISTORY_LIMIT``), in one query."""
    records = (
        ChangeRecord.objects.filter(business=business, object_type="Event", object_id=event.pk)
        .select_related("actor", "upstream_connection")
        .order_by("-created_date", "-id")[:HISTORY_LIMIT]
    )
    return [
        HistoryEntry(
            when=record.created_date,
            who=_actor_label(record),
            action=record.action.replace("_", " "),
            changes=[(field, *values) for field, values in sorted(record.changes.items())],
            revision_before=record.revision_before,
            revision_after=record.revision_after,
        )
        for record in records
    ]


def _actor_label(record: ChangeRecord) -> str:
    if record.actor_kind == ChangeRecord.ActorKind.UPSTREAM:
        via = f" ({record.source})" if record.source else ""
        return f"Upstream {record.upstream_connection or ''}{via}".replace("  ", " ").strip()
    if record.actor_kind == ChangeRecord.ActorKind.USER:
        return record.actor.get_username() if record.actor else "A deleted user"
    return "System"
