"""Which backend a business writes through: the local one, unless an upstream registered its own.

An upstream app registers a factory for its ``Business.Backend`` kind from its
``AppConfig.ready()`` (``calendar_app.wix`` does for ``wix``); the core never names an upstream.
"""

from collections.abc import Callable

from calendar_app.backends.local import LocalCalendarBackend
from calendar_app.backends.protocol import CalendarBackend
from calendar_app.tenancy.models import Business

_factories: dict[str, Callable[[Business], CalendarBackend]] = {}


def register_calendar_backend(kind: str, factory: Callable[[Business], CalendarBackend]) -> None:
    """Let ``factory(business)`` answer for the businesses whose ``backend`` is ``kind``.

    Registering the same factory again is harmless; a second factory for one kind is a mistake.
    """
    if _factories.get(kind, factory) is not factory:
        raise RuntimeError(f"A calendar backend is already registered for {kind!r}.")
    _factories[kind] = factory


def calendar_backend(business: Business) -> CalendarBackend:
    """The backend the business writes through, chosen by ``Business.backend``."""
    factory = _factories.get(business.backend)
    if factory is None:
        return LocalCalendarBackend()
    return factory(business)
