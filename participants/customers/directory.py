"""Keeping the customer directory: which person a participation or customer record is, and the
bulk catch-up that links every record not linked yet (the backfill, and rows written by paths
that do not call ``record_*``: upstream imports, the admin, factories).

The bulk functions take the model classes, so the backfill migration runs them on its
historical models.
"""

from collections.abc import Iterable

# What an erase (and the Magicline purge) leaves of a person's name; such rows stay out of the
# directory so that the catch-up never brings an erased person back.
ANONYMISED_NAME = "Anonymised customer"
BATCH = 2000


def digits(text: str) -> str:
    """The digits of a phone number (``+49 (0)151-123`` → ``490151123``)."""
    return "".join(c for c in text or "" if c.isdigit())


def customer_key(*, customer_id: int, email: str) -> str:
    email = (email or "").strip().lower()
    return f"e:{email}" if email else f"c:{customer_id}"


def participation_key(*, participation_id: str, email: str, customer: tuple | None) -> str:
    """A linked participant is their customer's person; else their address's, else their own.

    ``customer`` is ``(customer_id, customer_email)`` of the linked customer, or None."""
    if customer is not None:
        return customer_key(customer_id=customer[0], email=customer[1])
    email = (email or "").strip().lower()
    return f"e:{email}" if email else f"p:{participation_id}"


def person_fields(*, name: str, email: str, phone: str) -> dict:
    """A person's shown and searched values from one of their records."""
    name = (name or "").strip()[:200]
    email = (email or "").strip()
    phone = (phone or "").strip()
    return {
        "name": name,
        "email": email,
        "phone": phone,
        "sort_name": name.lower(),
        "search": " ".join(part for part in (name.lower(), email.lower(), digits(phone)) if part),
    }


def is_anonymised(name: str, email: str, phone: str) -> bool:
    return name.strip().endswith(ANONYMISED_NAME) and not email and not phone


def _chunks(items: list, size: int = BATCH) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def bulk_link(*, business_id: int, models: dict) -> int:
    """Link every participation and customer of the business not in its directory yet (a
    customer of its group counts once it booked here or a participant is linked to them), in
    batches of a few queries; returns how many records were linked. Existing people keep their
    shown values. ``models``: Person, PersonLink, Participation, Customer, AppointmentBooking."""
    person_model, link_model = models["Person"], models["PersonLink"]
    participations = (
        models["Participation"]
        .objects.filter(business_id=business_id, person_link__isnull=True)
        .order_by("created_date", "id")
        .values_list(
            "id", "name", "email", "phone", "customer_id", "customer__email", "customer__phone"
        )
    )
    customer_ids = (
        models["Customer"]
        .objects.filter(business_id=business_id)
        .values("id")
        .union(
            models["AppointmentBooking"]
            .objects.filter(business_id=business_id)
            .values("customer_id"),
            models["Participation"]
            .objects.filter(business_id=business_id, customer__isnull=False)
            .values("customer_id"),
        )
    )
    linked = link_model.objects.filter(business_id=business_id, customer__isnull=False)
    customers = (
        models["Customer"]
        .objects.filter(pk__in=customer_ids)
        .exclude(pk__in=linked.values("customer_id"))
        .order_by("created_date", "id")
        .values_list("id", "first_name", "last_name", "email", "phone")
    )
    records = []  # (key, fields, link kwargs)
    for pid, name, email, phone, cid, cemail, cphone in participations.iterator(BATCH):
        if is_anonymised(name, email, phone):
            continue
        customer = (cid, cemail) if cid else None
        key = participation_key(participation_id=pid, email=email, customer=customer)
        fields = person_fields(name=name, email=email or cemail or "", phone=phone or cphone)
        records.append((key, fields, {"participation_id": pid}))
    for cid, first, last, email, phone in customers.iterator(BATCH):
        name = f"{first} {last}".strip()
        if is_anonymised(name, email, phone):
            continue
        key = customer_key(customer_id=cid, email=email)
        records.append(
            (key, person_fields(name=name, email=email, phone=phone), {"customer_id": cid})
        )
    for batch in _chunks(records):
        wanted = {key: fields for key, fields, _ in batch}  # the latest record's values
        person_model.objects.bulk_create(
            [person_model(business_id=business_id, key=k, **f) for k, f in wanted.items()],
            ignore_conflicts=True,
        )
        ids = dict(
            person_model.objects.filter(business_id=business_id, key__in=wanted).values_list(
                "key", "id"
            )
        )
        link_model.objects.bulk_create(
            [
                link_model(person_id=ids[key], business_id=business_id, **link)
                for key, _, link in batch
            ],
            ignore_conflicts=True,
        )
    return len(records)
