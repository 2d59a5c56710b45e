"""Customer directory writes: keep a person up to date when a participation or booking is
written, catch up what other paths wrote, and erase a person's personal data."""

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from bookings.models import AppointmentBooking, Customer, IdlePeriod
from calendar_app import extensions
from calendar_app.audit import record_change
from calendar_app.models import ChangeRecord
from calendar_app.tenancy.access import require_owner
from calendar_app.tenancy.models import Business, Membership
from participants.customers.directory import (
    ANONYMISED_NAME,
    bulk_link,
    customer_key,
    is_anonymised,
    participation_key,
    person_fields,
)
from participants.customers.models import Person, PersonLink
from participants.models import Participation, WaitlistEntry, freed_by_note

MODELS = {
    "Person": Person,
    "PersonLink": PersonLink,
    "Participation": Participation,
    "Customer": Customer,
    "AppointmentBooking": AppointmentBooking,
}


def _link(*, business_id: int, key: str, fields: dict, **record) -> Person:
    """Make ``record`` (participation_id= or customer_id=) a record of the person ``key``,
    showing ``fields``; a person left without records is removed."""
    person, created = Person.objects.get_or_create(
        business_id=business_id, key=key, defaults=fields
    )
    if not created and fields["name"]:
        changed = [f for f, value in fields.items() if value and getattr(person, f) != value]
        for f in changed:
            setattr(person, f, fields[f])
        if changed:
            person.updated_date = timezone.now()
            person.save(update_fields=[*changed, "updated_date"])
    link = PersonLink.objects.filter(business_id=business_id, **record).first()
    if link is None:
        PersonLink.objects.create(person=person, business_id=business_id, **record)
    elif link.person_id != person.pk:
        before = link.person_id
        link.person = person
        link.save(update_fields=["person"])
        Person.objects.filter(pk=before, links__isnull=True).delete()
    return person


def _forget(**record) -> None:
    """Take ``record`` (participation_id= or customer_id=) out of the directories that have it;
    a person left without records is removed."""
    links = PersonLink.objects.filter(**record)
    holders = list(links.values_list("person_id", flat=True))
    if holders:
        links.delete()
        Person.objects.filter(pk__in=holders, links__isnull=True).delete()


def record_participation(*, participation: Participation) -> Person | None:
    """Keep the directory up to date after a participation is added or edited (here, or
    upstream): it is the person of its customer, else of its address, else its own (a few
    queries). An anonymised one leaves the directory (None)."""
    p = participation
    if is_anonymised(p.name, p.email, p.phone):
        _forget(participation_id=p.pk)
        return None
    customer = p.customer if p.customer_id else None
    key = participation_key(
        participation_id=p.pk,
        email=p.email,
        customer=(customer.pk, customer.email) if customer else None,
    )
    fields = person_fields(
        name=p.name,
        email=p.email or (customer.email if customer else ""),
        phone=p.phone or (customer.phone if customer else ""),
    )
    return _link(business_id=p.business_id, key=key, fields=fields, participation_id=p.pk)


def record_customer(*, business: Business, customer: Customer) -> Person | None:
    """Keep ``business``'s directory up to date for a customer who books there (its own, or
    one of its facility group's). An anonymised customer leaves that directory (None)."""
    return _record_customer(business_id=business.pk, customer=customer)


def _record_customer(*, business_id: int, customer: Customer) -> Person | None:
    if is_anonymised(customer.full_name, customer.email, customer.phone):
        _forget(business_id=business_id, customer_id=customer.pk)
        return None
    key = customer_key(customer_id=customer.pk, email=customer.email)
    fields = person_fields(name=customer.full_name, email=customer.email, phone=customer.phone)
    return _link(business_id=business_id, key=key, fields=fields, customer_id=customer.pk)


def follow_customer(*, customer: Customer) -> None:
    """An upstream changed a customer (Magicline: refreshed, or purged): every directory that
    has them shows their name, address and phone as they are now, and an anonymised one leaves
    them all (a query when no directory has them yet: the catch-up links them)."""
    businesses = PersonLink.objects.filter(customer=customer).values_list("business_id", flat=True)
    for business_id in sorted(set(businesses)):
        _record_customer(business_id=business_id, customer=customer)


def sync_directory(*, business: Business) -> int:
    """Link every participation and customer of the business that is not in its directory yet
    (written by an upstream import, the admin or an older version); returns how many."""
    return bulk_link(business_id=business.pk, models=MODELS)


@dataclass(frozen=True)
class Erased:
    participations: int
    customers: int
    waitlist_entries: int
    messages: int
    upstream_participations: int = 0  # an upstream's copies, erased after the commit


def _anonymise_customers(customer_ids: list[int]) -> None:
    """What the Magicline purge does to a customer it purges, for customers of no upstream."""
    Customer.objects.filter(pk__in=customer_ids).update(
        first_name="",
        last_name=ANONYMISED_NAME,
        email="",
        phone="",
        rate="",
        additional_modules=[],
        member_codes=[],
    )
    IdlePeriod.objects.filter(customer_id__in=customer_ids).delete()


def _scrub_promotion_notes(*, business: Business, participation_ids: list[str]) -> None:
    """The audit records of waitlist promotions name whose cancel (or shrunk party) freed the
    place: those naming one of these participations say "a participant" instead (two
    queries, and one write when there is something to scrub)."""
    freed = Participation.objects.filter(pk__in=participation_ids).values_list("event_id", "name")
    notes = {}
    for event_id, name in freed:
        for cancelled in (True, False):
            note = freed_by_note(name=name, cancelled=cancelled)
            notes[(event_id, note)] = freed_by_note(name="a participant", cancelled=cancelled)
    events = {event_id for event_id, _ in notes}
    promoted = dict(Participation.objects.filter(event_id__in=events).values_list("pk", "event_id"))
    records = ChangeRecord.objects.filter(
        business=business, action="promote", object_id__in=list(promoted)
    )
    scrubbed = []
    for record in records:
        before, note = (record.changes.get("freed_by") or [None, ""])[:2]
        replacement = notes.get((promoted.get(record.object_id), note))
        if replacement:
            record.changes["freed_by"] = [before, replacement]
            scrubbed.append(record)
    ChangeRecord.objects.bulk_update(scrubbed, ["changes"])


@transaction.atomic
def erase_person(*, actor: Membership | None, person: Person) -> Erased:
    """Erase a person's personal data, keeping anonymous counts: their participations, waitlist
    entries and bookings stay (names, addresses, phones and notes blanked), their customer
    records are anonymised in every copy (an upstream's copies through
    ``extensions.erase_customer_copies``, as the Magicline purge does), so are an upstream's
    copies of their participations (``extensions.erase_participation_copies``: Wix, after the
    commit, retried), the messages sent to them lose address, name and text
    (``extensions.erase_person_messages``), the directory entry goes, and the audit trail
    records the erase with counts only. Owners only."""
    require_owner(actor, "erase a customer's personal data", business_id=person.business_id)
    person = Person.objects.select_for_update().get(pk=person.pk)
    business = person.business
    links = list(PersonLink.objects.filter(person=person))
    participation_ids = [link.participation_id for link in links if link.participation_id]
    customer_ids = [link.customer_id for link in links if link.customer_id]
    emails = {
        e.lower()
        for e in [
            person.email,
            *Participation.objects.filter(pk__in=participation_ids).values_list("email", flat=True),
            *Customer.objects.filter(pk__in=customer_ids).values_list("email", flat=True),
        ]
        if e
    }
    _scrub_promotion_notes(business=business, participation_ids=participation_ids)
    upstream_participations = extensions.erase_participation_copies(
        business=business, participation_ids=participation_ids
    )
    messages = extensions.erase_person_messages(
        business=business, participation_ids=participation_ids, emails=sorted(emails)
    )
    participations = Participation.objects.filter(pk__in=participation_ids).update(
        name=ANONYMISED_NAME, email="", phone="", notes="", contact_id="", customer=None
    )
    waiting = (
        WaitlistEntry.objects.filter(business=business)
        .annotate(email_lower=Lower("email"))
        .filter(Q(participation_id__in=participation_ids) | Q(email_lower__in=emails))
    )
    waitlist_entries = waiting.update(name=ANONYMISED_NAME, email="", phone="")
    upstream = set(extensions.erase_customer_copies(customer_ids=customer_ids))
    _anonymise_customers([c for c in customer_ids if c not in upstream])
    record_change(
        business=business,
        actor=actor,
        obj=person,
        action="erase",
        revision_before=None,
        changes={
            "participations": [participations, participations],
            "customers": [len(customer_ids), len(customer_ids)],
            "personal_data": ["kept", "erased"],
            **(
                {"upstream_participations": [upstream_participations, upstream_participations]}
                if upstream_participations
                else {}
            ),
        },
    )
    # Copies an upstream anonymised elsewhere have left those directories already (the purge
    # follows them there: ``follow_customer``).
    person.delete()
    return Erased(
        participations, len(customer_ids), waitlist_entries, messages, upstream_participations
    )
