"""The booking screen's customer search in a Magicline studio: Magicline's customers matching the
query, across every studio with the integration (§2.10), mirrored so the local search finds
them. Briefly cached per query; when Magicline does not answer, the local results stand."""

import logging

from django.core.cache import cache

from bookings.magicline import sync
from bookings.magicline.client import MagiclineClient
from bookings.magicline.errors import MagiclineError
from bookings.magicline.models import MagiclineConnection

logger = logging.getLogger(__name__)

SEARCH_CACHE_SECONDS = 60
MIRRORED_PER_SEARCH = 20


def _searches(query: str) -> list[dict]:
    """Magicline's search criteria for a query: an e-mail, first and last name, or one name."""
    words = query.split()
    if "@" in query:
        return [{"email": query.strip()}]
    if len(words) > 1:
        return [{"firstName": words[0], "lastName": words[-1]}]
    return [{"firstName": words[0]}, {"lastName": words[0]}]


def mirror_matching_customers(
    *, connection: MagiclineConnection, client: MagiclineClient, query: str
) -> None:
    """Mirror the Magicline customers matching ``query`` (an e-mail, or name prefixes)."""
    words = query.split()
    cache_key = f"magicline:{connection.pk}:search:{' '.join(words).lower()}"
    if not words or cache.get(cache_key):
        return
    try:
        found = {
            item.id: item
            for criteria in _searches(query)
            for item in client.search_customers(cross_studio=True, **criteria)
        }
    except MagiclineError as error:
        logger.warning("Magicline customer search not run: %s", error)
        return
    for magicline_id, data in list(found.items())[:MIRRORED_PER_SEARCH]:
        sync.apply_remote_customer(connection=connection, data=data, magicline_id=magicline_id)
    cache.set(cache_key, True, SEARCH_CACHE_SECONDS)
