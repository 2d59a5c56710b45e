"""Attendance: check-in and no-shows, stored with who marked them and when, and audited.

Attendance is the dashboard's own record (not part of the calendar contract) and takes no
place, so it locks the participation rows it marks rather than the event.
"""

from django.db import transaction
from django.utils import timezone

from calendar_app.audit import change_record, record_change
from calendar_app.models import ChangeRecord, Event
from calendar_app.tenancy.access import require_member
from calendar_app.tenancy.models import Membership
from participants.models import Participation
from participants.services.locking import ParticipationError

Attendance = Participation.Attendance


@transaction.atomic
def mark_attendance(
    *, actor: Membership | None, participation: Participation, attendance: str
) -> Participation:
    """Mark a participant as checked in or a no-show; an empty ``attendance`` undoes the mark."""
    require_member(actor, participation.business_id, what="manage participants")
    if attendance and attendance not in Attendance.values:
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
