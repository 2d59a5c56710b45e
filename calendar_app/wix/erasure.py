"""An owner's erase of a person reaches the Wix site's copies of their participations.

The core's ``erase_person`` blanks the local rows and asks ``extensions.erase_participation_copies``
(registered by this app, ``services.erase_participation_copies``): inside the erase's
transaction ``request_erasures`` writes one ``WixErasure`` per participation the site keeps
(active, outside Wix Bookings' events, whose participants Bookings owns), and a task per row
runs ``run_erasure`` after the commit. The request itself never calls Wix, so the local erase
is done whatever Wix answers.

``run_erasure`` sends Update Participation (``PATCH /calendar/v3/participations/{id}`` with
``{participation: {revision, participant: {...}}}``) with the participant's name anonymised and
address and phone blanked — the participation stays, so every count stays — and applies the
answer through ``apply_remote_participation`` (source ``write_through``), which audits it. A
stale revision is read again once; Wix down, rate-limiting or answering a stale revision again
is retried by the task with the sync's backoff; a refusal fails the row with Wix's reason, shown
on the sync health page with a Retry. Until then, and after, ``apply_remote_participation``
never brings the erased fields back from a copy that still has them.
"""

from datetime import timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from calendar_app.tenancy.models import Business
from calendar_app.wix import mapping
from calendar_app.wix.apply import apply_remote_participation
from calendar_app.wix.apply.events import WRITE_THROUGH
from calendar_app.wix.backend import NOT_CONNECTED
from calendar_app.wix.client import WixClient, WixError, WixNotFound, WixRevisionConflict
from calendar_app.wix.deliveries import client_for
from calendar_app.wix.models import WixConnection, WixErasure
from participants.customers.directory import ANONYMISED_NAME
from participants.models import Participation

GONE = "Wix no longer has this participation; there was nothing to erase there."


class ErasureRefused(WixError):
    """What makes an erasure fail at once (no connection to reach Wix with)."""


def request_erasures(*, business: Business, participation_ids: list[str]) -> list[int]:
    """Record an erasure for each of ``participation_ids`` that the business's Wix site keeps
    (active, not of a Wix Bookings event); returns the ids of the erasures still to run (two
    queries and an insert; none for a business without a Wix connection)."""
    connection = WixConnection.objects.filter(business=business).first()
    if connection is None or not participation_ids:
        return []
    bookings = mapping.WIX_BOOKINGS_APP_ID
    mirrored = (
        Participation.objects.filter(
            business=business, pk__in=participation_ids, cancelled_date__isnull=True
        )
        .exclude(app_id=bookings)
        .exclude(event__app_id=bookings)
        .values_list("pk", "contact_id")
    )
    WixErasure.objects.bulk_create(
        [
            WixErasure(connection=connection, participation_id=pk, blank_contact=bool(contact))
            for pk, contact in mirrored
        ],
        ignore_conflicts=True,  # erased before: the row there is the one to run
    )
    return list(
        WixErasure.objects.filter(
            participation_id__in=participation_ids, status=WixErasure.Status.WAITING
        ).values_list("pk", flat=True)
    )


def anonymous_participant(*, blank_contact: bool) -> dict:
    """The ``participant`` an erased participation has upstream (``name`` is required there)."""
    participant = {"name": ANONYMISED_NAME, "email": "", "phone": ""}
    if blank_contact:
        participant["contactId"] = ""
    return participant


def run_erasure(*, erasure_pk: int, client: WixClient | None = None) -> str:
    """Blank one participation's participant in Wix and apply the answer; returns the row's
    status. Raises ``WixUnavailable`` / ``WixRevisionConflict`` for the task to retry, and any
    other ``WixError`` (a refusal) for it to fail the row with."""
    erasure = WixErasure.objects.select_related("connection", "participation").get(pk=erasure_pk)
    if erasure.status == WixErasure.Status.DONE:
        return erasure.status
    WixErasure.objects.filter(pk=erasure_pk).update(attempts=F("attempts") + 1)
    connection = erasure.connection
    if not connection.is_complete:
        raise ErasureRefused(NOT_CONNECTED)
    client = client or client_for(connection)
    participation = erasure.participation
    changes = {"participant": anonymous_participant(blank_contact=erasure.blank_contact)}
    try:
        try:
            data = client.update_participation(
                participation.pk, revision=participation.revision, changes=changes
            )
        except WixRevisionConflict:  # changed in Wix since: once more at its revision
            current = client.get_participation(participation.pk)
            data = client.update_participation(
                participation.pk, revision=int(current["revision"]), changes=changes
            )
    except WixNotFound:
        return _finish(erasure_pk, note=GONE)
    with transaction.atomic():
        apply_remote_participation(connection=connection, data=data, source=WRITE_THROUGH)
        return _finish(erasure_pk)


def _finish(erasure_pk: int, *, note: str = "") -> str:
    WixErasure.objects.filter(pk=erasure_pk).update(
        status=WixErasure.Status.DONE, error=note, done_date=timezone.now()
    )
    return WixErasure.Status.DONE


def record_error(*, erasure_pk: int, error: str, failed: bool) -> None:
    """Write why an attempt failed on the row; ``failed``: no more attempts will follow."""
    changes = {"error": error[:2000]}
    if failed:
        changes["status"] = WixErasure.Status.FAILED
    WixErasure.objects.filter(pk=erasure_pk).exclude(status=WixErasure.Status.DONE).update(
        **changes
    )


def stalled(*, older_than: timedelta) -> list[int]:
    """Erasures still waiting long after they were made (their task was lost)."""
    since = timezone.now() - older_than
    waiting = WixErasure.objects.filter(status=WixErasure.Status.WAITING, created_date__lt=since)
    return list(waiting.values_list("pk", flat=True))


def retry(*, erasure_pk: int) -> bool:
    """Make a failed erasure wait again (the health page's Retry); False when it is not failed."""
    return bool(
        WixErasure.objects.filter(pk=erasure_pk, status=WixErasure.Status.FAILED).update(
            status=WixErasure.Status.WAITING
        )
    )
