"""The figures of the delivery health partial (``templates/sync/deliveries.html``), the same for
every upstream: the last delivery and its age, the backlog, the failures (and stalled
deliveries) each with a Retry, and the refused counts. Two queries, whatever the number of
deliveries; the upstream adds its refused counts (one more)."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Count, Max, Q
from django.utils import timezone

from calendar_app.sync.deliveries import FAILED, RECEIVED, DeliveryStore

FAILURES_SHOWN = 50


@dataclass(frozen=True)
class FailedDelivery:
    """A delivery the page offers to retry: failed, or stalled (waiting past the threshold)."""

    pk: int
    kind: str
    entity_id: str
    error: str
    attempts: int
    received_at: datetime
    stalled: bool = False


@dataclass(frozen=True)
class RefusedCount:
    """One counter of refused bodies: ``key`` is the reason (the element id), ``label`` what the
    page says."""

    key: str
    label: str
    count: int


@dataclass(frozen=True)
class DeliveryHealth:
    """What the partial shows; ``retry_url`` is the URL name of the Retry button (it takes the
    delivery's pk), ``refresh_url`` the page itself (what HTMX asks for)."""

    now: datetime
    last_delivery: datetime | None
    backlog: int
    applied: int
    failed: int
    dropped: int
    failures: list[FailedDelivery]
    retry_url: str
    refused: list[RefusedCount] = field(default_factory=list)

    @property
    def last_delivery_age(self) -> timedelta | None:
        return self.now - self.last_delivery if self.last_delivery else None

    def refused_count(self, key: str) -> int:
        return next((refused.count for refused in self.refused if refused.key == key), 0)


def delivery_health(
    store: DeliveryStore,
    *,
    connection_id: int,
    retry_url: str,
    refused: list[RefusedCount] | None = None,
) -> DeliveryHealth:
    """The delivery figures of one connection (two queries)."""
    now = timezone.now()
    received_at = store.received_at
    rows = store.model.objects.filter(connection_id=connection_id)
    totals = rows.aggregate(
        last_delivery=Max(received_at),
        backlog=Count("pk", filter=Q(status=RECEIVED)),
        applied=Count("pk", filter=Q(status=store.applied)),
        failed=Count("pk", filter=Q(status=FAILED)),
        dropped=Count("pk", filter=~Q(status__in=[RECEIVED, store.applied, FAILED])),
    )
    columns = ("pk", "status", "entity_id", "error", "attempts", received_at, *store.kind_columns)
    retriable = (
        rows.filter(store.retriable())
        .order_by(f"-{received_at}", "-pk")
        .values(*columns)[:FAILURES_SHOWN]
    )
    failures = [
        FailedDelivery(
            pk=row["pk"],
            kind=store.describe(row),
            entity_id=str(row["entity_id"]),
            error=row["error"] or "Stalled: stored but not applied; its task was lost.",
            attempts=row["attempts"],
            received_at=row[received_at],
            stalled=row["status"] == RECEIVED,
        )
        for row in retriable
    ]
    return DeliveryHealth(
        now=now, failures=failures, retry_url=retry_url, refused=refused or [], **totals
    )
