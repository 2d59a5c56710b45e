"""Attendance: check-in and no-shows, stored with who marked them and when, and audited.

Attendance is the dashboard's own record (not part of the calendar contract) and takes no
place, so it locks the participation rows it marks rather than the event. Staff mark checked in
or no-show; the system marks "not recorded" (``mark_not_recorded``) where staff marked nothing.
"""

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from calendar_app.audit import change_record, record_change
from calendar_app.models import ChangeRecord, Event
from calendar_app.tenancy.access import require_member
from calendar_app.tenancy.models import Business, Membership
from participants.models import Participation
from participants.services.locking import ParticipationError

Attendance = Participation.Attendance
# What staff may mark; "not recorded" is the system's alone.
STAFF_MARKS = (Attendance.CHECKED_IN, Attendance.NO_SHOW)
# How long after an occurrence's end an unmarked participant is marked "not recorded".
NOT_RECORDED_AFTER = timedelta(hours=2)
# Rows one transaction of ``mark_not_recorded`` marks at most (a first run marks all history).
NOT_RECORDED_BATCH = 2000


@transaction.atomic
def mark_attendance(
    *, actor: Membership | None, participation: Participation, attendance: str
) -> Participation:
    """Mark a participant as checked in or a no-show; an empty ``attendance`` undoes the mark."""
    require_member(actor, participation.business_id, what="manage participants")
    if attendance and attendance not in STAFF_MARKS:
        raise ParticipationError("Choose checked in or no-show.")
    current = Participation.objects.select_for_update().get(pk=participation.pk)
    if current.is_cancelled:
        raise ParticipationError("This participation is cancelled; it has no attendance.")
    before = current.attendance
    current.attendance = attendance
    current.attendance_marked_by = actor if attendance else None
    current.attendance_marked_date = timezone.now() if attendance else None
    current.save(update_fields=["attendance", "attendance_marked_by", "attendance_marked_date"])
    record_change(
        business=current.business,
        actor=actor,
        obj=current,
        action="attendance",
        revision_before=current.revision,
        changes={"attendance": [before, attendance]},
    )
    return current


@transaction.atomic
def check_in_everyone(*, actor: Membership | None, event: Event) -> int:
    """Check in every active participant of ``event`` not marked yet; returns how many."""
    require_member(actor, event.business_id, what="manage participants")
    unmarked = list(
        Participation.objects.select_for_update()
        .filter(event_id=event.pk, cancelled_date__isnull=True, attendance="")
        .order_by("created_date", "id")
    )
    now = timezone.now()
    for participation in unmarked:
        participation.attendance = Attendance.CHECKED_IN
        participation.attendance_marked_by = actor
        participation.attendance_marked_date = now
    Participation.objects.bulk_update(
        unmarked, ["attendance", "attendance_marked_by", "attendance_marked_date"]
    )
    ChangeRecord.objects.bulk_create(
        change_record(
            business=event.business,
            actor=actor,
            obj=participation,
            action="attendance",
            revision_before=participation.revision,
            changes={"attendance": ["", Attendance.CHECKED_IN]},
        )
        for participation in unmarked
    )
    return len(unmarked)


def mark_not_recorded(*, now: datetime | None = None) -> int:
    """Mark every active participant still unmarked ``NOT_RECORDED_AFTER`` after their
    occurrence's end as "not recorded"; returns how many. Run by the system (beat).

    Nobody knows whether they came, so this is never a no-show: only rows with no mark at all
    are touched (a checked-in or no-show row, or one staff are marking right now, is skipped:
    its lock is not waited for, and the UPDATE re-checks the empty mark). Each batch is a
    constant number of queries (read, update, one audit INSERT), audited as the system's.
    """
    cutoff = (now or timezone.now()) - NOT_RECORDED_AFTER
    marked = 0
    while True:
        batch = _mark_not_recorded_batch(cutoff=cutoff)
        marked += batch
        if batch < NOT_RECORDED_BATCH:
            return marked


@transaction.atomic
def _mark_not_recorded_batch(*, cutoff: datetime) -> int:
    rows = list(
        Participation.objects.select_for_update(of=("self",), skip_locked=True)
        .filter(
            attendance="",
            cancelled_date__isnull=True,
            event__end__lte=cutoff,
            event__status=Event.Status.CONFIRMED,
            event__removed_date__isnull=True,
        )
        .order_by("pk")
        .values_list("pk", "business_id", "revision")[:NOT_RECORDED_BATCH]
    )
    if not rows:
        return 0
    now = timezone.now()
    Participation.objects.filter(pk__in=[pk for pk, _, _ in rows], attendance="").update(
        attendance=Attendance.NOT_RECORDED,
        attendance_marked_by=None,
        attendance_marked_date=now,
    )
    ChangeRecord.objects.bulk_create(
        change_record(
            business=Business(pk=business_id),
            actor=None,
            obj=Participation(pk=pk, revision=revision),
            action="attendance",
            revision_before=revision,
            changes={"attendance": ["", Attendance.NOT_RECORDED]},
        )
        for pk, business_id, revision in rows
    )
    return len(rows)
