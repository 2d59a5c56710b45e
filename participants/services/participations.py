"""Participation writes: add, edit, cancel and undo, each under the event's row lock.

The write itself goes through the business's calendar backend (the local store, or the upstream
that owns the participation), which keeps ``event.remaining_capacity`` and uses the one set of
revision helpers. A cancel or a smaller party frees places: they go to the people waiting
(``participants.services.waitlist``) in the same transaction.
"""

from django.db import IntegrityError, transaction

from bookings.selectors import customer_for_booking
from calendar_app.audit import record_change
from calendar_app.backends import calendar_backend, locked_current
from calendar_app.models import Event
from calendar_app.signals import event_changed
from calendar_app.tenancy.access import require_member
from calendar_app.tenancy.models import Membership
from participants.customers.services import record_participation
from participants.models import Participation, freed_by_note
from participants.services.locking import (
    MAX_PARTY_SIZE,
    ParticipationError,
    check_bookable,
    check_capacity,
    lock_event,
    through_backend,
)
from participants.services.waitlist import promote_waiting
from participants.signals import participation_added, participation_cancelled

EDITABLE_FIELDS = ("name", "email", "phone", "party_size", "status", "notes")


def _clean_values(values: dict) -> dict:
    """Check the fields a person can set; messages name the field they concern."""
    unknown = set(values) - set(EDITABLE_FIELDS)
    if unknown:
        raise ParticipationError(f"These fields cannot be edited: {', '.join(sorted(unknown))}.")
    values = dict(values)
    for text in ("name", "email", "phone", "notes"):
        if text in values:
            values[text] = (values[text] or "").strip()
    if "name" in values and not values["name"]:
        raise ParticipationError("Enter the participant's name.", field="name")
    if "party_size" in values:
        size = values["party_size"]
        if not isinstance(size, int) or not 1 <= size <= MAX_PARTY_SIZE:
            raise ParticipationError(
                f"Party size must be between 1 and {MAX_PARTY_SIZE}.", field="party_size"
            )
    if "status" in values and values["status"] not in Participation.Status.values:
        raise ParticipationError("Choose a valid status.", field="status")
    return values


@transaction.atomic
def add_participation(
    *,
    actor: Membership | None,
    event: Event,
    name: str,
    email: str = "",
    phone: str = "",
    party_size: int = 1,
    status: str = Participation.Status.CONFIRMED,
    notes: str = "",
    idempotency_key: str = "",
    customer_id: int | None = None,
    notify: bool = True,
) -> tuple[Participation, bool]:
    """Add a participant if the party fits; returns ``(participation, created)``.

    ``customer_id`` links the participant to an existing customer of the business (or of its
    facility group), so one person is one record across classes and appointments.

    A repeated ``idempotency_key`` (a double-submitted form) returns the participation the first
    submit created, with ``created`` False; the unique constraint backs this up under races.
    ``participation_added`` asks for a confirmation to the participant unless ``notify`` is
    False (the demo's sign-ups).
    """
    require_member(actor, event.business_id, what="manage participants")
    locked = lock_event(event)
    if idempotency_key:
        existing = Participation.objects.filter(
            event_id=locked.pk, idempotency_key=idempotency_key
        ).first()
        if existing is not None:
            return existing, False
    check_bookable(locked)
    customer = None
    if customer_id is not None:
        customer = customer_for_booking(business=locked.business, customer_id=customer_id)
        if customer is None:
            raise ParticipationError("That customer does not exist; search again.")
    values = _clean_values(
        {
            "name": name,
            "email": email,
            "phone": phone,
            "party_size": party_size,
            "status": status,
            "notes": notes,
        }
    )
    check_capacity(locked, needed=values["party_size"])
    backend = calendar_backend(locked.business)
    try:
        with transaction.atomic():
            participation = through_backend(
                lambda: backend.add_participation(
                    event=locked, values=values, idempotency_key=idempotency_key
                )
            )
    except IntegrityError:
        if not idempotency_key:
            raise
        return Participation.objects.get(event_id=locked.pk, idempotency_key=idempotency_key), False
    if customer is not None:
        Participation.objects.filter(pk=participation.pk).update(customer=customer)
        participation.customer = customer
    record_participation(participation=participation)
    record_change(
        business=locked.business,
        actor=actor,
        obj=participation,
        action="create",
        revision_before=None,
    )
    event_changed.send(sender=Participation, event=locked)
    participation_added.send(
        sender=Participation, participation=participation, promoted=False, notify=notify
    )
    return participation, True


@transaction.atomic
def update_participation(
    *,
    actor: Membership | None,
    participation: Participation,
    expected_revision: int,
    changes: dict,
) -> Participation:
    """Edit contact details, party size, status or notes of an active participation.

    A stale ``expected_revision`` raises ``RevisionConflict`` and writes nothing; a larger party
    must fit into the event's free places, and cannot grow at all on a cancelled event (contact
    details, notes, status and a smaller party can still be corrected there).
    """
    require_member(actor, participation.business_id, what="manage participants")
    values = _clean_values(changes)
    locked = lock_event(participation.event)
    current = locked_current(Participation, participation.pk, expected_revision)
    if current.is_cancelled:
        raise ParticipationError("This participation is cancelled; undo the cancel to edit it.")
    if values.get("party_size", current.party_size) > current.party_size:
        if locked.is_cancelled:
            raise ParticipationError(
                "This event is cancelled; a party cannot grow.", field="party_size"
            )
        check_capacity(locked, needed=values["party_size"], excluding=current)
    updated = through_backend(
        lambda: calendar_backend(locked.business).update_participation(
            participation=current, expected_revision=expected_revision, values=values
        )
    )
    record_change(
        business=locked.business,
        actor=actor,
        obj=updated,
        action="update",
        revision_before=expected_revision,
    )
    record_participation(participation=updated)
    if updated.party_size < current.party_size:
        freed_by = freed_by_note(name=current.name, cancelled=False)
        promote_waiting(event=locked, actor=actor, freed_by=freed_by)
    event_changed.send(sender=Participation, event=locked)
    return updated


@transaction.atomic
def cancel_participation(
    *, actor: Membership | None, participation: Participation, expected_revision: int
) -> Participation:
    """Cancel (soft-delete) a participation and free its places for the people waiting; it can
    be undone while the places are still free."""
    require_member(actor, participation.business_id, what="manage participants")
    locked = lock_event(participation.event)
    current = locked_current(Participation, participation.pk, expected_revision)
    if current.is_cancelled:
        raise ParticipationError("This participation is already cancelled.")
    updated = through_backend(
        lambda: calendar_backend(locked.business).cancel_participation(
            participation=current, expected_revision=expected_revision
        )
    )
    record_change(
        business=locked.business,
        actor=actor,
        obj=updated,
        action="cancel",
        revision_before=expected_revision,
    )
    freed_by = freed_by_note(name=updated.name, cancelled=True)
    promote_waiting(event=locked, actor=actor, freed_by=freed_by)
    event_changed.send(sender=Participation, event=locked)
    participation_cancelled.send(sender=Participation, participation=updated)
    return updated


@transaction.atomic
def restore_participation(
    *, actor: Membership | None, participation: Participation, expected_revision: int
) -> Participation:
    """Undo a cancel, if the party still fits into the event's free places."""
    require_member(actor, participation.business_id, what="manage participants")
    locked = lock_event(participation.event)
    current = locked_current(Participation, participation.pk, expected_revision)
    if not current.is_cancelled:
        raise ParticipationError("This participation is not cancelled.")
    check_bookable(locked)
    check_capacity(locked, needed=current.party_size, doing="Cannot undo")
    updated = through_backend(
        lambda: calendar_backend(locked.business).restore_participation(
            participation=current, expected_revision=expected_revision
        )
    )
    record_change(
        business=locked.business,
        actor=actor,
        obj=updated,
        action="restore",
        revision_before=expected_revision,
    )
    event_changed.send(sender=Participation, event=locked)
    return updated
