"""Counters of refused webhook bodies, one row per (connection, reason), for every upstream.

A flood of forgeries cannot grow the table: each refusal adds one to its row in place.
``connection`` is empty when the body could not be tied to a connection (one counter per
reason for those, shown on every connection's health page).
"""

from django.db import IntegrityError, models, transaction
from django.db.models import F, Q
from django.utils import timezone


class RefusalCount(models.Model):
    """How many webhook bodies were refused for one reason (the concrete model adds its
    ``connection`` and the two partial unique constraints of ``once_per_reason``)."""

    reason = models.CharField(max_length=20)
    count = models.BigIntegerField(default=0)
    last_date = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.reason}: {self.count}"


def once_per_reason(prefix: str) -> list[models.UniqueConstraint]:
    """One counter per (connection, reason), and one per reason for the unowned rows: two
    partial unique indexes (not ``nulls_distinct=False``, which SQLite cannot build)."""
    return [
        models.UniqueConstraint(
            fields=["connection", "reason"],
            condition=Q(connection__isnull=False),
            name=f"{prefix}_once_per_reason",
        ),
        models.UniqueConstraint(
            fields=["reason"],
            condition=Q(connection__isnull=True),
            name=f"{prefix}_unowned_once_per_reason",
        ),
    ]


def count_refusal(model: type[RefusalCount], *, connection_id: int | None, reason: str) -> None:
    """Add one to the (connection, reason) counter, creating it on first use."""
    counters = model.objects.filter(connection_id=connection_id, reason=reason)
    bump = {"count": F("count") + 1, "last_date": timezone.now()}
    if counters.update(**bump):
        return
    try:
        with transaction.atomic():
            model.objects.create(connection_id=connection_id, reason=reason, count=1)
    except IntegrityError:  # another request created it first
        counters.update(**bump)


def refusal_counts(model: type[RefusalCount], *, connection_id: int, unowned: list[str]) -> dict:
    """The connection's counters by reason, with the unowned ones of the ``unowned`` reasons."""
    return dict(
        model.objects.filter(
            Q(connection_id=connection_id) | Q(connection__isnull=True, reason__in=unowned)
        ).values_list("reason", "count")
    )
