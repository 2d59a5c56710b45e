"""Webhook deliveries of any upstream: stored once, claimed, applied, failed, retried, requeued.

An upstream describes its table once with a ``DeliveryStore`` (the model, the names of its
arrival and applied columns, what its applied status is called) and gets:

- ``insert_once``: the intake's one ``INSERT … ON CONFLICT DO NOTHING`` (plain SQL built once:
  on the intake's path the ORM's query building cost several times the query itself; on
  PostgreSQL a prepared statement, ``_intake_cursor``), and ``insert_once_where``, the same
  guarded by a condition checked in the same statement;
- ``apply_one``: read the upstream first (no transaction), then apply under the delivery's row
  lock, so a delivery that two workers got is applied once;
- ``claim``: up to ``size`` stored deliveries locked with ``SKIP LOCKED`` (never waiting, never
  taken twice), for upstreams that apply in batches;
- ``record_error``: one failed attempt counted with its reason, the delivery failed alone;
- ``retry`` and ``retriable``: the health page's Retry, for a failed delivery or one stalled;
- ``stalled``: what the beat requeues (stored long ago, still not applied: its task was lost).

``first_without_deadlock`` runs a transaction again, alone, when PostgreSQL cancelled it to
break a deadlock.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from typing import Any

import psycopg
from django.db import InterfaceError, OperationalError, connection, models, transaction
from django.db.models import F, Q
from django.utils import timezone

RECEIVED = "received"
FAILED = "failed"
STALLED_AFTER = timedelta(minutes=5)
STALLED_LIMIT = 10_000
DEADLOCK = "40P01"
# The database unreachable or the connection dropped (the server restarting, a connection
# terminated): not the delivery's fault. A task retries it and never fails the delivery for it;
# an intake answers 503 (``calendar_app.sync.intake``).
DATABASE_ERRORS = (OperationalError, InterfaceError)
DEADLOCK_RETRIES = 3


class DeliveryFailed(Exception):
    """A delivery that cannot be applied as it is: retrying will not help."""


@dataclass(frozen=True)
class DeliveryStore:
    """One upstream's table of webhook deliveries.

    The model has ``connection``, ``status`` (``received``/``failed`` and ``applied``, whatever
    this upstream calls it), ``attempts``, ``error``, a unique column of the upstream's delivery
    id (what ``insert_once`` stores once), and the arrival and applied instants.
    ``kind_columns`` and ``describe`` say what a delivery was about on the health page.
    """

    model: type[models.Model]
    received_at: str = "received_at"
    applied_at: str = "applied_at"
    applied: str = "applied"
    kind_columns: tuple[str, ...] = ()
    describe: Callable[[dict], str] = lambda row: ""

    @property
    def error_length(self) -> int:
        return self.model._meta.get_field("error").max_length or 2000

    # Intake

    def insert_once(self, delivery: models.Model) -> int | None:
        """Store ``delivery`` unless its upstream id is stored already: one statement, which
        commits by itself outside a transaction. The new row's pk, or None for a repeat."""
        sql, fields = _insert_once_sql(self.model)
        values = [
            field.get_db_prep_save(field.pre_save(delivery, add=True), connection)
            for field in fields
        ]
        with _intake_cursor() as cursor:
            cursor.execute(sql, values)
            row = cursor.fetchone()
        return row[0] if row else None

    def insert_once_where(
        self, delivery: models.Model, *, exists_sql: str, params: list[Any]
    ) -> int | None:
        """``insert_once``, in the same one statement only while ``exists_sql`` (a SELECT with
        ``params``) finds a row: what the intake checked the delivery against without reading
        it first (a webhook key it verified with) still holds when the delivery is stored. The
        new row's pk, or None for a repeat or when it no longer holds."""
        sql, fields = _insert_once_sql(self.model, exists_sql)
        values = [
            field.get_db_prep_save(field.pre_save(delivery, add=True), connection)
            for field in fields
        ]
        with _intake_cursor() as cursor:
            cursor.execute(sql, [*values, *params])
            row = cursor.fetchone()
        return row[0] if row else None

    # Applying

    def apply_one(
        self,
        *,
        delivery_pk: int,
        read: Callable[[Any], Any],
        write: Callable[[Any, Any], str],
    ) -> str:
        """Apply one stored delivery: ``read(delivery)`` asks the upstream what to apply (outside
        any transaction), then ``write(delivery, read's answer)`` applies it in one transaction
        that holds the delivery's row lock and marks it applied. Returns what ``write`` says, or
        the delivery's status when it was no longer waiting (applied or failed meanwhile).

        ``read`` raises the upstream's unavailable error for the task to retry, and both may
        raise ``DeliveryFailed`` for a delivery that will never apply; nothing is applied then.
        """
        delivery = self.model.objects.select_related("connection__business").get(pk=delivery_pk)
        if delivery.status != RECEIVED:
            return delivery.status
        answer = read(delivery)
        with transaction.atomic():
            locked = self.model.objects.select_for_update().filter(pk=delivery_pk)
            status = locked.values_list("status", flat=True).first()
            if status != RECEIVED:
                return status
            outcome = write(delivery, answer)
            self.mark_applied([delivery_pk])
        return outcome

    def claim(self, queryset: models.QuerySet, *, size: int, columns: Iterable[str]) -> list:
        """Up to ``size`` waiting deliveries of ``queryset``, oldest first, locked for this
        transaction with ``SKIP LOCKED``: rows another worker holds are left to it."""
        if size <= 0:
            return []
        return list(
            queryset.filter(status=RECEIVED)
            .select_for_update(skip_locked=True)
            .order_by(self.received_at, "pk")
            .values_list(*columns)[:size]
        )

    def lock_waiting(self, delivery_pk: int, *, columns: Iterable[str]) -> list:
        """The delivery's row locked for this transaction (waiting for a worker holding it),
        as ``[row]`` while it is still waiting, else ``[]``."""
        return list(
            self.model.objects.select_for_update()
            .filter(pk=delivery_pk, status=RECEIVED)
            .values_list(*columns)
        )

    def status_of(self, delivery_pk: int) -> str:
        return self.model.objects.values_list("status", flat=True).get(pk=delivery_pk)

    def mark_applied(self, delivery_pks: list[int]) -> None:
        """Mark the deliveries applied, counting the attempt and clearing the last reason."""
        if delivery_pks:
            self.model.objects.filter(pk__in=delivery_pks).update(
                status=self.applied,
                attempts=F("attempts") + 1,
                error="",
                **{self.applied_at: timezone.now()},
            )

    def record_error(self, *, delivery_pk: int, error: str, failed: bool) -> None:
        """Count an attempt that did not apply and show why; ``failed`` when no retry follows.
        Only a waiting delivery changes (one applied meanwhile stays applied)."""
        update: dict[str, Any] = {
            "error": error[: self.error_length],
            "attempts": F("attempts") + 1,
        }
        if failed:
            update["status"] = FAILED
        self.model.objects.filter(pk=delivery_pk, status=RECEIVED).update(**update)

    # Retry and requeue

    def stalled_before(self) -> Any:
        return timezone.now() - STALLED_AFTER

    def retriable(self, *, stalled_before=None) -> Q:
        """A delivery the health page may retry: failed, or waiting since before
        ``stalled_before`` (its task was lost)."""
        stalled_before = stalled_before or self.stalled_before()
        return Q(status=FAILED) | Q(status=RECEIVED, **{f"{self.received_at}__lt": stalled_before})

    def retry(self, *, delivery_pk: int) -> bool:
        """Make a failed or stalled delivery wait again (the caller queues its task on commit);
        its attempts stay, its last reason goes. False when it is neither."""
        return bool(
            self.model.objects.filter(self.retriable(), pk=delivery_pk).update(
                status=RECEIVED, error=""
            )
        )

    def stalled(self, *, older_than: timedelta = STALLED_AFTER) -> models.QuerySet:
        """The deliveries stored longer than ``older_than`` ago and still waiting (at most
        ``STALLED_LIMIT``): their task was lost (Redis down when the request committed, or
        flushed; a worker killed before it started). Applying is idempotent, so one whose task
        is merely slow is harmless to queue twice."""
        since = timezone.now() - older_than
        return self.model.objects.filter(
            status=RECEIVED, **{f"{self.received_at}__lt": since}
        ).order_by()[:STALLED_LIMIT]


@lru_cache(maxsize=8)
def _insert_once_sql(model: type[models.Model], exists_sql: str = "") -> tuple[str, tuple]:
    meta = model._meta
    fields = tuple(field for field in meta.concrete_fields if not field.primary_key)
    quote = connection.ops.quote_name
    placeholders = ", ".join(["%s"] * len(fields))
    values = (
        f"SELECT {placeholders} WHERE EXISTS ({exists_sql})"
        if exists_sql
        else f"VALUES ({placeholders})"
    )
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "
        f"{values} ON CONFLICT DO NOTHING RETURNING {quote(meta.pk.column)}"
    )
    return sql, fields


def _intake_cursor():
    """A cursor as ``connection.cursor()`` gives it (connected, health-checked, database errors
    as Django's, queries logged when Django logs them) that, on PostgreSQL, binds the parameters
    on the server (psycopg's ``Cursor``; Django's binds them into the SQL text), so psycopg
    prepares the statement after its fifth run on the connection (``prepare_threshold`` in
    settings). The intake's INSERT then costs the server no parsing or planning, and neither
    side the quoting of the domain event and the webhook key into the text and back: measured,
    0.1 to 0.15 ms of CPU per delivery (web process and server together), most of what storing
    it cost beyond a bare one-column INSERT.
    """
    if connection.vendor != "postgresql":
        return connection.cursor()
    connection.validate_thread_sharing()
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    with connection.wrap_database_errors:
        cursor = psycopg.Cursor(connection.connection)
    if connection.queries_logged:
        return connection.make_debug_cursor(cursor)
    return connection.make_cursor(cursor)


def is_deadlock(error: OperationalError) -> bool:
    """Whether PostgreSQL cancelled the transaction to break a deadlock (nothing was written)."""
    return getattr(error.__cause__, "sqlstate", None) == DEADLOCK


def first_without_deadlock[T](*attempts: Callable[[], T]) -> T:
    """Run ``attempts`` in turn until one is not cancelled by a deadlock; the last one's
    deadlock (and any other error) is raised. Each attempt is its own transaction."""
    for attempt in attempts[:-1]:
        try:
            return attempt()
        except OperationalError as error:
            if not is_deadlock(error):
                raise
    return attempts[-1]()
