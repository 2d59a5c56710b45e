"""Reads of a business's Wix connection: the settings form's start, and the sync health (one
typed page object for the health page and for ``manage.py sync_status``)."""

from dataclasses import asdict, dataclass, fields
from datetime import datetime

from django.db.models import Count, Q

from calendar_app.sync.health import FAILURES_SHOWN, DeliveryHealth, RefusedCount, delivery_health
from calendar_app.sync.refusals import refusal_counts
from calendar_app.tenancy.models import Business
from calendar_app.wix.backend import NOT_CONNECTED
from calendar_app.wix.deliveries import STORE
from calendar_app.wix.health.models import IntakeRejection, Reconciliation
from calendar_app.wix.models import WixConnection, WixErasure

REFUSALS = (  # (reason, the element id on the page, its label)
    (IntakeRejection.Reason.SIGNATURE, "rejected-signatures", "Rejected signatures"),
    (IntakeRejection.Reason.MALFORMED, "malformed", "Malformed bodies"),
    (
        IntakeRejection.Reason.UNKNOWN_INSTANCE,
        "unknown-instances",
        "Deliveries for an unknown instance (all connections)",
    ),
)


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
class FailedErasure:
    """An owner's erase that did not reach Wix's copy of a participation; the page offers Retry."""

    pk: int
    participation_id: str
    error: str
    attempts: int
    created_date: datetime


@dataclass(frozen=True)
class Erasures:
    """Owners' erases of people on their way to the Wix site (``calendar_app.wix.erasure``)."""

    waiting: int
    done: int
    failed: int
    failures: list[FailedErasure]


@dataclass(frozen=True)
class SyncHealth:
    """Everything the health page and ``sync_status`` show about one connection."""

    business_slug: str
    site_id: str
    instance_id: str
    deliveries: DeliveryHealth
    last_reconciliation: ReconciliationSummary | None
    backfill: Backfill
    erasures: Erasures

    @property
    def reconciliation_running(self) -> bool:
        return bool(self.last_reconciliation and self.last_reconciliation.is_active)

    @property
    def in_progress(self) -> bool:
        """A backfill or a reconciliation is queued or running: the page polls its progress."""
        return self.backfill.is_active or self.reconciliation_running

    def as_json(self) -> dict:
        """Plain JSON values: dates as ISO strings, the age in whole seconds."""
        d = self.deliveries
        age = d.last_delivery_age
        data = {
            "business_slug": self.business_slug,
            "site_id": self.site_id,
            "instance_id": self.instance_id,
            "now": d.now,
            "last_delivery": d.last_delivery,
            "last_delivery_age_seconds": int(age.total_seconds()) if age else None,
            "backlog": d.backlog,
            "failed": d.failed,
            "applied": d.applied,
            "dropped": d.dropped,
            "failures": [asdict(failure) for failure in d.failures],
            "rejected_signatures": d.refused_count("rejected-signatures"),
            "malformed": d.refused_count("malformed"),
            "unknown_instances": d.refused_count("unknown-instances"),
            "last_reconciliation": asdict(self.last_reconciliation)
            if self.last_reconciliation
            else None,
            "backfill": {**asdict(self.backfill), "percent_done": self.backfill.percent_done},
            "erasures": asdict(self.erasures),
        }
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
    """The sync health of ``connection``, in five queries whatever the number of deliveries and
    erasures (six when some erasures failed)."""
    counts = refusal_counts(
        IntakeRejection,
        connection_id=connection.pk,
        unowned=[IntakeRejection.Reason.UNKNOWN_INSTANCE],
    )
    refused = [RefusedCount(key, label, counts.get(reason, 0)) for reason, key, label in REFUSALS]
    latest = Reconciliation.objects.filter(connection=connection).first()
    return SyncHealth(
        business_slug=connection.business.slug,
        site_id=connection.site_id,
        instance_id=connection.instance_id,
        deliveries=delivery_health(
            STORE, connection_id=connection.pk, retry_url="wix:delivery_retry", refused=refused
        ),
        last_reconciliation=_summary(latest) if latest else None,
        backfill=Backfill(
            status=connection.backfill_status,
            done=connection.backfill_done,
            total=connection.backfill_total,
            error=connection.backfill_error,
        ),
        erasures=_erasures(connection),
    )


def _erasures(connection: WixConnection) -> Erasures:
    """The connection's erasures by status (one query), and the failed ones (one more, only
    when there are some)."""
    rows = WixErasure.objects.filter(connection=connection)
    counts = rows.aggregate(
        **{status: Count("pk", filter=Q(status=status)) for status in WixErasure.Status}
    )
    failed = (
        rows.filter(status=WixErasure.Status.FAILED)
        .order_by("-created_date", "-pk")
        .values(*(column.name for column in fields(FailedErasure)))
    )
    return Erasures(
        waiting=counts[WixErasure.Status.WAITING],
        done=counts[WixErasure.Status.DONE],
        failed=counts[WixErasure.Status.FAILED],
        failures=[
            FailedErasure(**row)
            for row in (failed[:FAILURES_SHOWN] if counts[WixErasure.Status.FAILED] else [])
        ],
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
