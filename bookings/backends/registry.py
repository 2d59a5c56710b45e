"""``appointment_backend(business)``: the backend a business books through.

Upstreams register a resolver from their ``AppConfig.ready()`` (Magicline: the studio's
enabled connection); the first resolver that claims the business wins, and a business no
upstream claims books locally. The core never names an upstream.
"""

from collections.abc import Callable

from bookings.backends.local import LocalAppointmentBackend
from bookings.backends.protocol import AppointmentBackend
from calendar_app.tenancy.models import Business

Resolver = Callable[[Business], AppointmentBackend | None]

_resolvers: list[Resolver] = []


def register(resolver: Resolver) -> None:
    """Ask ``resolver`` first for every business from now on (registering twice is harmless)."""
    if resolver not in _resolvers:
        _resolvers.append(resolver)


def appointment_backend(business: Business) -> AppointmentBackend:
    """The upstream that claims the business, else the local backend."""
    for resolver in _resolvers:
        backend = resolver(business)
        if backend is not None:
            return backend
    return LocalAppointmentBackend()
