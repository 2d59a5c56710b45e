"""The waitlist of a full event: join, leave, reorder, and promotion when a place frees.

A person waiting takes no place (``calendar_app.capacity`` counts participations only). When
places free (a cancel, a smaller party, a raised capacity) ``promote_waiting`` gives them, in the
same transaction and under the event's lock, to the first people waiting whose party fits
(``capacity.parties_that_fit``): a bigger party is skipped and keeps its turn. A promotion is a
participation written through the business's calendar backend, audited with what freed it.
"""

from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from calendar_app.audit import record_change
from calendar_app.backends import calendar_backend
from calendar_app.capacity import free_places, parties_that_fit
from calendar_app.models import Event, Schedule
from calendar_app.tenancy.access import require_member, require_owner
from calendar_app.tenancy.models import Membership
from participants.customers.services import record_participation
from participants.models import Participation, WaitlistEntry, WaitlistSetting, freed_by_note
from participants.services.locking import (
    MAX_PARTY_SIZE,
    ParticipationError,
    check_bookable,
    check_capacity,
    lock_event,
    places,
    through_backend,
)
from participants.signals import participation_added


def _waiting(event: Event):
    return WaitlistEntry.objects.filter(
        event_id=event.pk, promoted_date__isnull=True, removed_date__isnull=True
    ).order_by("position", "joined_date", "id")


@transaction.atomic
def join_waitlist(
    *,
    actor: Membership | None,
    event: Event,
    name: str,
    email: str = "",
    phone: str = "",
    party_size: int = 1,
) -> WaitlistEntry:
    """Put someone at the end of a full event's waitlist.

    Refused (nothing written) when the party would fit now (add them instead), when the same
    person (email, else name) already waits, or when the schedule's waitlist limit is reached.
    """
    require_member(actor, event.business_id, what="manage participants")
    locked = lock_event(event)
    check_bookable(locked)
    name, email, phone = name.strip(), email.strip(), phone.strip()
    if not name:
        raise ParticipationError("Enter the name of the person waiting.", field="name")
    if not 1 <= party_size <= MAX_PARTY_SIZE:
        raise ParticipationError(
            f"Party size must be between 1 and {MAX_PARTY_SIZE}.", field="party_size"
        )
    free = free_places(locked)
    if free is None or party_size <= free:
        raise ParticipationError(
            "This event is not full; add them as a participant instead."
            if free is None
            else f"This event is not full ({places(free)} free); add them as a participant."
        )
    waiting = list(_waiting(locked))
    for rank, entry in enumerate(waiting, start=1):
        same = entry.email.lower() == email.lower() if email else entry.name.lower() == name.lower()
        if same:
            raise ParticipationError(f"{entry.name} is already on the waitlist (number {rank}).")
    limit = WaitlistSetting.for_schedule(locked.schedule_id).limit
    if limit is not None and len(waiting) >= limit:
        raise ParticipationError(f"The waitlist is full ({limit} waiting, the schedule's limit).")
    last = _waiting(locked).aggregate(last=Max("position"))["last"] or 0
    entry = WaitlistEntry.objects.create(
        business_id=locked.business_id,
        event=locked,
        name=name,
        email=email,
        phone=phone,
        party_size=party_size,
        position=last + 1,
    )
    record_change(
        business=locked.business, actor=actor, obj=entry, action="join", revision_before=None
    )
    return entry


def _locked_waiting_entry(actor: Membership | None, entry: WaitlistEntry):
    require_member(actor, entry.business_id, what="manage participants")
    locked = lock_event(entry.event)
    current = WaitlistEntry.objects.get(pk=entry.pk)
    if not current.is_waiting:
        raise ParticipationError(f"{current.name} is no longer waiting.")
    return locked, current


@transaction.atomic
def remove_from_waitlist(*, actor: Membership | None, entry: WaitlistEntry) -> WaitlistEntry:
    """Take someone off the waitlist (kept, with ``removed_date``, for the history)."""
    locked, current = _locked_waiting_entry(actor, entry)
    current.removed_date = timezone.now()
    current.save(update_fields=["removed_date"])
    record_change(
        business=locked.business, actor=actor, obj=current, action="remove", revision_before=None
    )
    return current


@transaction.atomic
def move_waitlist_entry(
    *, actor: Membership | None, entry: WaitlistEntry, to_position: int
) -> WaitlistEntry:
    """Move someone to ``to_position`` (1 is first) of the waitlist; the others keep their order."""
    locked, current = _locked_waiting_entry(actor, entry)
    waiting = list(_waiting(locked))
    if not 1 <= to_position <= len(waiting):
        raise ParticipationError(f"Choose a position between 1 and {len(waiting)}.")
    before = next(rank for rank, e in enumerate(waiting, start=1) if e.pk == current.pk)
    waiting = [e for e in waiting if e.pk != current.pk]
    waiting.insert(to_position - 1, current)
    for rank, waiting_entry in enumerate(waiting, start=1):
        waiting_entry.position = rank
    WaitlistEntry.objects.bulk_update(waiting, ["position"])
    record_change(
        business=locked.business,
        actor=actor,
        obj=current,
        action="move",
        revision_before=None,
        changes={"position": [before, to_position]},
    )
    return current


def promote_waiting(
    *, event: Event, actor: Membership | None, freed_by: str
) -> list[Participation]:
    """Give ``event``'s free places to the first people waiting who fit; ``event`` is locked
    by the caller, whose change (``freed_by``) freed them. Nothing when the schedule offers
    freed places to staff instead, or the event takes no participants."""
    if event.is_cancelled or event.recurrence_type == Event.RecurrenceType.MASTER:
        return []
    setting = WaitlistSetting.for_schedule(event.schedule_id)
    if setting.promotion != WaitlistSetting.Promotion.AUTOMATIC:
        return []
    waiting = list(_waiting(event))
    if not waiting:
        return []
    promoted = []
    for entry in parties_that_fit(waiting, free=free_places(event)):
        participation = _promote(event=event, entry=entry, actor=actor, freed_by=freed_by)
        if participation is None:
            break
        promoted.append(participation)
    return promoted


@transaction.atomic
def give_place(*, actor: Membership | None, entry: WaitlistEntry) -> Participation:
    """Staff gives a free place to someone waiting (the schedule's "offer to staff" mode)."""
    locked, current = _locked_waiting_entry(actor, entry)
    check_bookable(locked)
    check_capacity(locked, needed=current.party_size, doing="Cannot give the place")
    participation = _promote(event=locked, entry=current, actor=actor, freed_by="given by staff")
    if participation is None:
        raise ParticipationError("The calendar refused the place; they are still waiting.")
    return participation


def _promote(
    *, event: Event, entry: WaitlistEntry, actor: Membership | None, freed_by: str
) -> Participation | None:
    """The participation ``entry`` becomes, or None when the calendar refuses it (it waits on)."""
    backend = calendar_backend(event.business)
    values = {
        "name": entry.name,
        "email": entry.email,
        "phone": entry.phone,
        "party_size": entry.party_size,
        "status": Participation.Status.CONFIRMED,
        "notes": "",
    }
    try:
        with transaction.atomic():
            participation = through_backend(
                lambda: backend.add_participation(event=event, values=values, idempotency_key="")
            )
    except ParticipationError as refusal:
        entry.refused_reason = str(refusal)[:500]
        entry.save(update_fields=["refused_reason"])
        return None
    entry.promoted_date = timezone.now()
    entry.participation = participation
    entry.refused_reason = ""
    entry.save(update_fields=["promoted_date", "participation", "refused_reason"])
    record_participation(participation=participation)
    record_change(
        business=event.business,
        actor=actor,
        obj=participation,
        action="promote",
        revision_before=None,
        changes={"waitlist_entry": [None, entry.pk], "freed_by": [None, freed_by]},
    )
    participation_added.send(
        sender=Participation, participation=participation, promoted=True, notify=True
    )
    return participation


def promote_after_capacity_change(*, event: Event, actor: Membership | None, **_signal) -> None:
    """``capacity_changed`` receiver: a raised capacity (of an event, or of a series' events)
    promotes the people waiting on each event it reached, under that event's lock."""
    waiting_on = (
        WaitlistEntry.objects.filter(promoted_date__isnull=True, removed_date__isnull=True)
        .filter(Q(event_id=event.pk) | Q(event__recurring_event_id=event.pk))
        .values_list("event_id", flat=True)
        .distinct()
    )
    for waiting_event in Event.objects.filter(pk__in=list(waiting_on)).order_by("start", "id"):
        try:
            locked = lock_event(waiting_event)
        except ParticipationError:
            continue
        promote_waiting(event=locked, actor=actor, freed_by="capacity raised")


def promote_after_upstream_capacity_raise(*, event_ids: list[str], **_signal) -> None:
    """``upstream_capacity_raised`` receiver: an upstream raised the capacity of ``event_ids``
    (a webhook batch); those waiting on them get the freed places, under each event's lock,
    with the system as the actor. One query when nobody waits on them."""
    waiting_on = (
        WaitlistEntry.objects.filter(
            event_id__in=event_ids, promoted_date__isnull=True, removed_date__isnull=True
        )
        .values_list("event_id", flat=True)
        .distinct()
    )
    for waiting_event in Event.objects.filter(pk__in=list(waiting_on)).order_by("start", "id"):
        _promote_upstream(waiting_event, freed_by="capacity raised upstream")


def promote_after_upstream_places_freed(
    *, participation: Participation, cancelled: bool, name: str, **_signal
) -> None:
    """``upstream_places_freed`` receiver: an upstream cancelled a participation or made its
    party smaller (a Wix webhook); those waiting get the freed places as after a local cancel,
    under the event's lock, with the system as the actor. One query when nobody waits."""
    if participation.event_id is None:
        return
    event = Event(pk=participation.event_id)  # lock_event reads it whole, locked
    if not _waiting(event).exists():
        return
    _promote_upstream(event, freed_by=freed_by_note(name=name, cancelled=cancelled))


def _promote_upstream(event: Event, *, freed_by: str) -> None:
    """Promote on ``event`` after an upstream's change freed places (its lock taken here; an
    event whose participants the dashboard may not write, e.g. Wix Bookings', is left alone)."""
    try:
        locked = lock_event(event)
    except ParticipationError:
        return
    promote_waiting(event=locked, actor=None, freed_by=freed_by)


@transaction.atomic
def set_waitlist_setting(
    *, actor: Membership | None, schedule: Schedule, limit: int | None, promotion: str
) -> WaitlistSetting:
    """Owners set how many may wait per occurrence of ``schedule`` (None: no limit) and whether
    freed places are given automatically or offered to staff. A lower limit sends nobody away."""
    require_owner(actor, "change the waitlist rules", business_id=schedule.business_id)
    if limit is not None and limit < 0:
        raise ParticipationError("The limit cannot be negative.", field="limit")
    if promotion not in WaitlistSetting.Promotion.values:
        raise ParticipationError("Choose how a freed place is given.", field="promotion")
    setting = WaitlistSetting.for_schedule(schedule.pk)
    before = {"limit": setting.limit, "promotion": setting.promotion}
    setting.limit, setting.promotion = limit, promotion
    setting.save()
    changes = {
        field: [value, getattr(setting, field)]
        for field, value in before.items()
        if value != getattr(setting, field)
    }
    record_change(
        business=schedule.business,
        actor=actor,
        obj=setting,
        action="update",
        revision_before=None,
        changes=changes,
    )
    return setting
