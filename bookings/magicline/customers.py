"""Magicline customers in the local store: one apply function per change (created or refreshed,
purged on CUSTOMER_ACCESS_DISABLED), and the lookups the tasks and ``sync`` ask first.

A Magicline id is one person across studios; each studio keeps its own local customer of it (as
a local business does). Every apply runs under a lock on the studio's connection row
(``locked``), so two tasks about one customer never race, and is idempotent; the customer
directories follow each change (``follow_customer``: a new name, or a purge).
"""

from django.db import transaction
from django.utils import timezone

from bookings.contract import CustomerAnswer
from bookings.magicline.answers import read_answer
from bookings.magicline.models import MagiclineConnection, MagiclineCustomer
from bookings.models import Customer, IdlePeriod
from participants.customers.directory import ANONYMISED_NAME
from participants.customers.services import follow_customer


def save_changed(obj, wanted: dict) -> list[str]:
    """Set the fields of ``obj`` that differ from ``wanted`` and save only those."""
    changed = [name for name, value in wanted.items() if getattr(obj, name) != value]
    for name in changed:
        setattr(obj, name, wanted[name])
    if changed:
        obj.save(update_fields=changed)
    return changed


def locked(connection: MagiclineConnection) -> MagiclineConnection:
    return MagiclineConnection.objects.select_for_update().get(pk=connection.pk)


def _customer_fields(data: CustomerAnswer) -> dict:
    return {
        "first_name": (data.first_name or "")[:100],
        "last_name": (data.last_name or "")[:100],
        "email": (data.email or "")[:254],
        "phone": (data.phone_private_mobile or "")[:50],
        "status": data.status,
    }


def linked_customer(*, connection: MagiclineConnection, magicline_id: int) -> Customer | None:
    """This studio's local customer of a Magicline id (each studio keeps its own, as a local
    business does, so its booking screen finds a member of another studio it has seen)."""
    link = (
        MagiclineCustomer.objects.filter(connection=connection, magicline_id=magicline_id)
        .select_related("customer")
        .first()
    )
    return link.customer if link else None


def access_disabled(*, magicline_id: int) -> bool:
    """Whether Magicline said CUSTOMER_ACCESS_DISABLED for this customer (in any studio)."""
    return MagiclineCustomer.objects.filter(
        magicline_id=magicline_id, access_disabled=True
    ).exists()


@transaction.atomic
def apply_remote_customer(
    *, connection: MagiclineConnection, data: CustomerAnswer | dict | None, magicline_id: int
) -> Customer:
    """Create this studio's local customer of a Magicline customer if it has none, and refresh
    every studio's copy from ``data`` (§2.10, as read or as JSON; None when Magicline no longer
    answers for it): a Magicline id is one person across studios. A customer whose access was
    disabled stays anonymised, also in a studio that meets them afterwards."""
    if data is not None:
        data = read_answer(CustomerAnswer, data, what="customer")
    locked(connection)
    links = list(
        MagiclineCustomer.objects.filter(magicline_id=magicline_id)
        .select_related("customer")
        .order_by("id")
    )
    own = next((link for link in links if link.connection_id == connection.pk), None)
    if own is None:
        disabled = any(link.access_disabled for link in links)
        if disabled:
            fields = {"first_name": "", "last_name": ANONYMISED_NAME}
        elif data is not None:
            fields = _customer_fields(data)
        else:
            fields = {"first_name": "Magicline customer", "last_name": str(magicline_id)}
        own = MagiclineCustomer.objects.create(
            connection=connection,
            magicline_id=magicline_id,
            customer=Customer.objects.create(business=connection.business, **fields),
            access_disabled=disabled,
            refreshed_date=timezone.now(),
        )
    if data is not None:
        for link in links:  # the copies there were (a new one was made from ``data``)
            if not link.access_disabled:
                if save_changed(link.customer, _customer_fields(data)):
                    follow_customer(customer=link.customer)
                link.refreshed_date = timezone.now()
                link.save(update_fields=["refreshed_date"])
    return own.customer


@transaction.atomic
def purge_customer(*, connection: MagiclineConnection, magicline_id: int) -> int:
    """CUSTOMER_ACCESS_DISABLED: the customer's personal data removed; bookings stay, anonymised.

    A customer not seen yet gets an anonymised placeholder, so a booking event that arrives
    later attaches to it instead of importing the data. Returns how many customers were purged.
    """
    locked(connection)
    links = list(MagiclineCustomer.objects.filter(magicline_id=magicline_id))
    if not links:
        placeholder = Customer.objects.create(
            business=connection.business, first_name="", last_name=ANONYMISED_NAME
        )
        links = [
            MagiclineCustomer.objects.create(
                connection=connection, magicline_id=magicline_id, customer=placeholder
            )
        ]
    for link in links:
        Customer.objects.filter(pk=link.customer_id).update(
            first_name="",
            last_name=ANONYMISED_NAME,
            email="",
            phone="",
            rate="",
            additional_modules=[],
            member_codes=[],
        )
        IdlePeriod.objects.filter(customer_id=link.customer_id).delete()
        link.access_disabled = True
        link.save(update_fields=["access_disabled"])
        follow_customer(customer=link.customer)
    return len(links)
