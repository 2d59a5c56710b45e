"""The one path that writes upstream state into the local store.

Webhooks, the backfill, reconciliation and the answers to write-through calls all come here, so
the revision rules live in one place (``rules.decide``, spec §6.1, §6.2):

- an update applies only when its revision is strictly higher than the stored one (compared as
  integers); an equal or lower one is a stale or duplicate delivery and changes nothing;
- a removal soft-deletes (``removed_date``) when its revision is equal or higher, and keeps that
  revision as a tombstone — also for an id never seen before, which gets a tombstone row — so a
  late stale update cannot resurrect the row, while a genuinely newer update revives it;
- a referenced schedule or resource that is not stored yet is fetched through ``client`` when
  one is given, else stored as a stub with revision 0 (any real payload replaces it);
- every applied change writes one ChangeRecord (actor kind ``upstream``, the connection and
  the ``source``: ``webhook``, ``backfill``, ``reconcile``, ``write_through``).

Each apply runs in one transaction holding a lock on the object's id (the row's own lock, or for
an id not stored yet a PostgreSQL advisory lock on the id): two workers applying deliveries for
the same event never interleave. Every apply opens the same way (``rules.open_row`` /
``rules.judge``: lock, refuse another business's row, the revision rule, stop when stale).
Queries per apply are few and constant (an update: lock and read, write, resource check, audit).
Many event changes are applied together by ``apply_remote_events`` (the worker draining its
backlog): the same rules, the rows locked in id order, a constant number of queries per batch.
Payloads are parsed with the contract's models (``calendar_app.wix.contract``, through
``mapping``): a malformed one raises ``mapping.MappingError`` naming the field, and writes
nothing.

One module per topic: ``events``, ``participations``, ``schedules``, ``resources``; ``rules``
(locks, the revision rule, the row write and its audit) and ``bulk`` (one-statement writes)
are shared.
"""

from calendar_app.wix.apply.events import (
    EventChangeRefused,
    apply_remote_event,
    apply_remote_events,
)
from calendar_app.wix.apply.participations import apply_remote_participation
from calendar_app.wix.apply.resources import apply_remote_resource
from calendar_app.wix.apply.rules import ApplyResult
from calendar_app.wix.apply.schedules import apply_remote_schedule

__all__ = [
    "ApplyResult",
    "EventChangeRefused",
    "apply_remote_event",
    "apply_remote_events",
    "apply_remote_participation",
    "apply_remote_resource",
    "apply_remote_schedule",
]
