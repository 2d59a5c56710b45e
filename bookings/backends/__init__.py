"""Where appointment reads of slots and all booking writes go: ``appointment_backend(business)``.

``protocol`` holds the ``AppointmentBackend`` Protocol, ``local`` the embedded default (the app
computes slots from its own working hours, validates with its own rules and books into its own
tables) and ``registry`` the lookup that upstreams (Magicline) fill from ``AppConfig.ready()``.
"""

from bookings.backends.local import LocalAppointmentBackend, appointments_schedule
from bookings.backends.protocol import AppointmentBackend
from bookings.backends.registry import appointment_backend, register

__all__ = [
    "AppointmentBackend",
    "LocalAppointmentBackend",
    "appointment_backend",
    "appointments_schedule",
    "register",
]
