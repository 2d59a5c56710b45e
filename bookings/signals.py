"""Signals of the bookings app, for what tells customers of their appointments (notifications).

Sent by ``bookings.services`` inside the write's transaction (from the dashboard and the JSON
API alike), with ``notified_by``: "" when this app tells the customer, else the upstream that
does (``AppointmentBackend.customer_notices_by``, e.g. "Magicline"), so nobody is told twice.
"""

from django.dispatch import Signal

appointment_booked = Signal()  # kwargs: booking (AppointmentBooking), notified_by (str)
appointment_cancelled = Signal()  # kwargs: booking (AppointmentBooking), notified_by (str)
