"""The customer directory: one ``Person`` per person a business knows, and the rows they are.

A person is keyed within the business by the email address (lowercased), else by the customer
record, else by the participation itself: participants and appointment customers with one
address, or a participant linked to a customer, are one person. ``search`` holds the lowercase
name, address and the phone's digits, so a search is one indexed query on this table (a pg_trgm
GIN index on PostgreSQL, added by migration 0001) whatever the number of participations.
The directory is kept by the services that write participations and bookings
(``participants.customers.services.record_*``) and caught up by ``sync_directory``.
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone

from bookings.models import Customer
from calendar_app.tenancy.models import Business
from participants.models import Participation


class Person(models.Model):
    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="people")
    key = models.CharField(
        max_length=300, help_text="e:<address>, c:<customer id> or p:<participation id>."
    )
    name = models.CharField(max_length=200)
    email = models.CharField(max_length=254, blank=True)
    phone = models.CharField(max_length=50, blank=True)
    sort_name = models.CharField(max_length=200, help_text="The name, lowercased (the order).")
    search = models.TextField(help_text="Lowercase name and address, and the phone's digits.")
    updated_date = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["sort_name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["business", "key"], name="person_business_key"),
        ]
        indexes = [
            models.Index(fields=["business", "sort_name", "id"], name="person_business_order"),
        ]

    def __str__(self) -> str:
        return self.name


class PersonLink(models.Model):
    """One participation or customer record that is ``person`` (exactly one of the two)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="links")
    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="+")
    participation = models.OneToOneField(
        Participation,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="person_link",
    )
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, null=True, blank=True, related_name="person_links"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(participation__isnull=False, customer__isnull=True)
                    | Q(participation__isnull=True, customer__isnull=False)
                ),
                name="person_link_participation_xor_customer",
            ),
            models.UniqueConstraint(
                fields=["business", "customer"],
                condition=Q(customer__isnull=False),
                name="person_link_business_customer",
            ),
        ]
        indexes = [
            # A person's customer records (their bookings and credits on the customer page),
            # found without walking the link of every class they took.
            models.Index(
                fields=["person", "customer"],
                condition=Q(customer__isnull=False),
                name="person_link_customers",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.participation_id or self.customer_id} is person {self.person_id}"
