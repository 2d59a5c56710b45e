"""How every apply opens and closes: the lock, the revision rule, the row write, the audit.

``open_row`` locks the object's row (or, for an id not stored yet, the id) and ``judge``\\ s the
change on it: another business's row is refused, then ``decide`` — the one revision rule —
says what the change does. ``save_row`` writes a change that got through, with its audit
record.
"""

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection as db_connection

from calendar_app.audit import change_record
from calendar_app.models import ChangeRecord
from calendar_app.wix.models import WixConnection

logger = logging.getLogger(__name__)

CREATED = "created"
UPDATED = "updated"
REMOVED = "removed"
STALE = "stale"
IGNORED = "ignored"
STUB_REVISION = 0
ACTIONS = {CREATED: "create", UPDATED: "update", REMOVED: "remove"}


@dataclass(frozen=True)
class ApplyResult:
    """What one apply did: ``outcome`` is created / updated / removed / stale / ignored."""

    object_type: str
    object_id: str
    outcome: str
    revision_before: int | None = None
    revision_after: int | None = None
    reason: str = ""

    @property
    def applied(self) -> bool:
        return self.outcome in (CREATED, UPDATED, REMOVED)


def foreign(object_type: str, object_id: str) -> ApplyResult:
    logger.warning("%s %s belongs to another business; not applied.", object_type, object_id)
    return ApplyResult(object_type, object_id, IGNORED, reason="belongs to another business")


# Locks


def _lock_ids(kind: str, object_ids: Sequence[str]) -> None:
    """Serialize applies of these ids until the transaction ends, taking the locks in id order
    (two batches never wait on each other crosswise). PostgreSQL only; SQLite has a single
    writer."""
    if db_connection.vendor != "postgresql" or not object_ids:
        return
    with db_connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_advisory_xact_lock(hashtextextended(k, 0))) "
            "FROM (SELECT k FROM unnest(%s::text[]) AS k ORDER BY k) AS ids",
            [[f"wix:{kind}:{object_id}" for object_id in object_ids]],
        )


def locked_rows(model, object_ids: Iterable[str]) -> dict[str, Any]:
    """The stored rows of these ids, locked until the transaction ends (ids not stored yet are
    absent).

    Stored rows are locked by one ``SELECT … FOR UPDATE`` in id order (the common case). For
    unknown ids advisory locks on the ids are taken first and the read repeated, so two workers
    creating the same row run one after the other and the second sees the first's row.
    """
    ids = sorted(set(object_ids))
    locked = model.objects.select_for_update().filter(pk__in=ids).order_by("pk")
    rows = {row.pk: row for row in locked}
    missing = [object_id for object_id in ids if object_id not in rows]
    if missing:
        _lock_ids(model.__name__.lower(), missing)
        rows |= {row.pk: row for row in locked.filter(pk__in=missing)}
    return rows


# The revision rule


def decide(
    *,
    stored_revision: int | None,
    revision: int,
    removed: bool,
    is_removed: bool,
    revive: bool = False,
) -> str:
    """The upstream revision rule (spec §6.1, §6.2): what an incoming change does to the stored
    row — created, updated, removed or stale.

    An update applies only when its revision is strictly higher than the stored one; a removal
    when it is equal or higher (a removal may carry the revision of the last update), keeping
    that revision as a tombstone — also for an id never seen before — so a late stale update
    cannot resurrect the row while a newer one revives it. ``revive``: the change comes from an
    authoritative listing, so it also revives a tombstone of the same revision (reconciliation:
    the upstream still has the row).
    """
    if stored_revision is None:
        return REMOVED if removed else CREATED
    if removed:
        if revision > stored_revision or (revision == stored_revision and not is_removed):
            return REMOVED
        return STALE
    if revive and is_removed and revision == stored_revision:
        return UPDATED
    return UPDATED if revision > stored_revision else STALE


@dataclass(frozen=True)
class Opening:
    """A change that the revision rule lets through: the locked row (None for an id not stored
    yet), what the change does to it, the row's revision before it and the change's."""

    stored: Any
    outcome: str
    before: int | None
    revision: int

    @property
    def tombstone_only(self) -> bool:
        """A removal at the stored revision: it marks the row removed and changes nothing else
        (the payload of a removal may be sparse)."""
        return self.outcome == REMOVED and self.revision == self.before

    def result(self, object_type: str, object_id: str) -> ApplyResult:
        return ApplyResult(object_type, object_id, self.outcome, self.before, self.revision)


def judge(
    stored,
    *,
    connection: WixConnection,
    object_type: str,
    object_id: str,
    revision: int,
    removed: bool = False,
    removed_field: str = "",
    ignored: Callable[[Any], str] | None = None,
    revive_before: datetime | None = None,
) -> Opening | ApplyResult:
    """How every apply opens, on the row already locked: another business's row is refused,
    ``ignored`` may name a reason to leave the change out, then ``decide`` rules; a tombstone
    written before ``revive_before`` counts as revivable (see ``apply_remote_event``). An
    ``ApplyResult`` when nothing is to be written (foreign, ignored, stale)."""
    if stored is not None and stored.business_id != connection.business_id:
        return foreign(object_type, object_id)
    if ignored is not None and (reason := ignored(stored)):
        return ApplyResult(object_type, object_id, IGNORED, reason=reason)
    removed_date = getattr(stored, removed_field) if stored is not None and removed_field else None
    outcome = decide(
        stored_revision=None if stored is None else stored.revision,
        revision=revision,
        removed=removed,
        is_removed=removed_date is not None,
        revive=bool(revive_before and removed_date and removed_date < revive_before),
    )
    before = None if stored is None else stored.revision
    if outcome == STALE:
        return ApplyResult(object_type, object_id, STALE, before, before)
    return Opening(stored, outcome, before, revision)


def open_row(model, *, object_id: str, **judged) -> Opening | ApplyResult:
    """Lock the object's row (or its id, when not stored yet), then ``judge`` the change."""
    stored = locked_rows(model, [object_id]).get(object_id)
    return judge(stored, object_type=model.__name__, object_id=object_id, **judged)


# Writing


def audit_record(
    connection: WixConnection, obj, action: str, before: int | None, source: str
) -> ChangeRecord:
    """The audit record of one applied upstream change (not saved yet)."""
    return change_record(
        business=connection.business,
        actor=None,
        obj=obj,
        action=action,
        revision_before=before,
        upstream_connection=connection,
        source=source,
    )


def save_row(
    model, opening: Opening, *, connection: WixConnection, object_id: str, fields: dict, source: str
):
    """Create or update the row as ``opening`` says, and write its audit record."""
    stored = opening.stored
    if stored is None:
        stored = model.objects.create(id=object_id, business_id=connection.business_id, **fields)
    else:
        for attribute, value in fields.items():
            setattr(stored, attribute, value)
        stored.save(update_fields=list(fields))
    audit_record(connection, stored, ACTIONS[opening.outcome], opening.before, source).save()
    return stored
