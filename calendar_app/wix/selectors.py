"""Reads of a business's Wix connection: the settings form's start, and the sync health (one
typed page object for the health page and for ``manage.py sync_status``)."""

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Max, Q
from django.utils import timezone

from calendar_app.models import Business
from calendar_app.wix.backend import NOT_CONNECTED
from calendar_app.wix.health.models import IntakeRejection, Reconciliation
from calendar_app.wix.models import WebhookDelivery, WixConnection

FAILURES_SHOWN = 50


@dataclass(frozen=True)
class FailedDelivery:
    pk: int
    kind: str
    entity_id: str
    error: str
    attempts: int
    received_at: datetime


@dataclass(frozen=True)
class ReconciliationSummary:
    pk: int
    status: str
    requested_by_user: bool
    created_date: datetime
    started_date: datetime | None
    finished_date: datetime | None
    events_read: int
    repaired: int
    percent_done: int
    error: str

    @property
    def is_active(self) -> bool:
        return self.status in (Reconciliation.Status.QUEUED, Reconciliation.Status.RUNNING)


@dataclass(frozen=True)
class Backfill:
    status: str
    done: int
    total: int
    error: str

    @property
    def status_label(self) -> str:
        return WixConnection.BackfillStatus(self.status).label

    @property
    def is_active(self) -> bool:
        return self.status in (
            WixConnection.BackfillStatus.QUEUED,
            WixConnection.BackfillStatus.RUNNING,
        )

    @property
    def percent_done(self) -> int:
        if self.status == WixConnection.BackfillStatus.DONE:
            return 100
        return min(99, int(100 * self.done / self.total)) if self.total else 0


@dataclass(frozen=True)
class SyncHealth:
    """Everything the health page and ``sync_status`` show about one connection."""

    business_slug: str
    site_id: str
    instance_id: str
    now: datetime
    last_delivery: datetime | None
    backlog: int
    failed: int
    applied: int
    dropped: int
    failures: list[FailedDelivery]
    rejected_signatures: int
    malformed: int
    unknown_instances: int
    last_reconciliation: ReconciliationSummary | None
    backfill: Backfill

    @property
    def last_delivery_age(self) -> timedelta | None:
        return self.now - self.last_delivery if self.last_delivery else None

    @property
    def reconciliation_running(self) -> bool:
        return bool(self.last_reconciliation and self.last_reconciliation.is_active)

    @property
    def in_progress(self) -> bool:
        """A backfill or a reconciliation is queued or running: the page polls its progress."""
        return self.backfill.is_active or self.reconciliation_running

    def as_json(self) -> dict:
        """Plain JSON values: dates as ISO strings, the age in whole seconds."""
        data = asdict(self)
        data["last_delivery_age_seconds"] = (
            int(self.last_delivery_age.total_seconds()) if self.last_delivery_age else None
        )
        data["backfill"]["percent_done"] = self.backfill.percent_done
        return _isoformat(data)


def _isoformat(value):
    if isinstance(value, dict):
        return {key: _isoformat(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_isoformat(item) for item in value]
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def not_connected_notice(business: Business | None) -> str:
    """The warning every page of a business set to mirror Wix shows while it has no complete
    connection (its calendar is read-only until then); empty otherwise."""
    if business is None or business.backend != Business.Backend.WIX:
        return ""
    try:
        complete = business.wix_connection.is_complete  # cached on the business for the page
    except WixConnection.DoesNotExist:
        complete = False
    return "" if complete else NOT_CONNECTED


def connection_for(business: Business) -> WixConnection | None:
    return WixConnection.objects.filter(business=business).first()


def form_initial(connection: WixConnection | None) -> dict:
    """What the settings form starts with: everything but the API key, which is never sent back."""
    if connection is None:
        return {}
    return {
        "base_url": connection.base_url,
        "site_id": connection.site_id,
        "instance_id": connection.instance_id,
        "public_key_pem": connection.public_key_pem,
        "app_ids": ", ".join(connection.app_ids),
        "history_days": connection.history_days,
    }


def sync_health(*, connection: WixConnection) -> SyncHealth:
    """The sync health of ``connection``, in four queries whatever the number of deliveries."""
    statuses = WebhookDelivery.Status
    totals = WebhookDelivery.objects.filter(connection=connection).aggregate(
        last_delivery=Max("received_at"),
        backlog=Count("pk", filter=Q(status=statuses.RECEIVED)),
        failed=Count("pk", filter=Q(status=statuses.FAILED)),
        applied=Count("pk", filter=Q(status=statuses.APPLIED)),
        dropped=Count("pk", filter=Q(status=statuses.DROPPED)),
    )
    failed_rows = (
        WebhookDelivery.objects.filter(connection=connection, status=statuses.FAILED)
        .order_by("-received_at", "-pk")
        .values_list("pk", "entity_fqdn", "slug", "entity_id", "error", "attempts", "received_at")
    )
    failures = [
        FailedDelivery(
            pk=pk,
            kind=f"{fqdn} {slug}",
            entity_id=entity_id,
            error=error,
            attempts=attempts,
            received_at=received_at,
        )
        for pk, fqdn, slug, entity_id, error, attempts, received_at in failed_rows[:FAILURES_SHOWN]
    ]
    counts = dict(
        IntakeRejection.objects.filter(
            Q(connection=connection)
            | Q(connection__isnull=True, reason=IntakeRejection.Reason.UNKNOWN_INSTANCE)
        ).values_list("reason", "count")
    )
    latest = Reconciliation.objects.filter(connection=connection).first()
    return SyncHealth(
        business_slug=connection.business.slug,
        site_id=connection.site_id,
        instance_id=connection.instance_id,
        now=timezone.now(),
        last_delivery=totals["last_delivery"],
        backlog=totals["backlog"],
        failed=totals["failed"],
        applied=totals["applied"],
        dropped=totals["dropped"],
        failures=failures,
        rejected_signatures=counts.get(IntakeRejection.Reason.SIGNATURE, 0),
        malformed=counts.get(IntakeRejection.Reason.MALFORMED, 0),
        unknown_instances=counts.get(IntakeRejection.Reason.UNKNOWN_INSTANCE, 0),
        last_reconciliation=_summary(latest) if latest else None,
        backfill=Backfill(
            status=connection.backfill_status,
            done=connection.backfill_done,
            total=connection.backfill_total,
            error=connection.backfill_error,
        ),
    )


def _summary(run: Reconciliation) -> ReconciliationSummary:
    return ReconciliationSummary(
        pk=run.pk,
        status=run.status,
        requested_by_user=run.requested_by_user,
        created_date=run.created_date,
        started_date=run.started_date,
        finished_date=run.finished_date,
        events_read=run.events_read,
        repaired=run.repaired,
        percent_done=run.percent_done,
        error=run.error,
    )
