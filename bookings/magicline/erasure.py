"""An owner's erase of a customer reaches Magicline's copies the way CUSTOMER_ACCESS_DISABLED
does: ``purge_customer`` anonymises the member in every studio that keeps a copy, and marks
them so a later import never brings the data back (``extensions.erase_customer_copies``)."""

from bookings.magicline.customers import purge_customer
from bookings.magicline.models import MagiclineCustomer


def erase_customer_copies(*, customer_ids: list[int]) -> list[int]:
    """Purge the Magicline members among ``customer_ids``; returns the ids of every local copy
    it anonymised (in this studio and the others), for the directories to forget them."""
    links = MagiclineCustomer.objects.filter(customer_id__in=customer_ids).select_related(
        "connection"
    )
    members = {(link.connection_id, link.magicline_id): link.connection for link in links}
    for (_, magicline_id), connection in members.items():
        purge_customer(connection=connection, magicline_id=magicline_id)
    ids = {magicline_id for _, magicline_id in members}
    return list(
        MagiclineCustomer.objects.filter(magicline_id__in=ids).values_list("customer_id", flat=True)
    )
