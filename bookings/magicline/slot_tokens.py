"""Magicline's slots carry no id: each time listed on the grid gets a signed token.

The token holds the studio, the appointment type, and each slot Magicline listed at that time
with its date-time strings exactly as received and its instructor ids, so validate and book
always send Magicline its own strings. The booking screen hands the token back through the
browser; it is also kept in Django's cache under the slot's instants for the API (whose clients
send the contract's own date-time form).
"""

from collections.abc import Iterator
from datetime import datetime

from django.core import signing
from django.core.cache import cache

from bookings.contract import SlotAnswer
from bookings.magicline.answers import MagiclineSlot

SLOT_TOKEN_SECONDS = 3600
SLOT_TOKEN_SALT = "bookings.magicline.slot"

Period = tuple[datetime, datetime]


def _cache_key(connection_id: int, type_id: int, period: Period) -> str:
    start, end = period
    return f"magicline:{connection_id}:slot:{type_id}:{start.timestamp():.0f}:{end.timestamp():.0f}"


def sign(connection_id: int, type_id: int, variants: list[MagiclineSlot]) -> str:
    """The token of one time on the grid: each slot Magicline listed at that time."""
    return signing.dumps(
        {
            "c": connection_id,
            "a": type_id,
            "v": [[v.start_date_time, v.end_date_time, v.instructor_ids] for v in variants],
        },
        salt=SLOT_TOKEN_SALT,
        compress=True,
    )


def remember(connection_id: int, type_id: int, tokens: dict[Period, str]) -> None:
    """Keep the tokens of a listed window, for a caller that cannot hand them back (the API)."""
    cache.set_many(
        {_cache_key(connection_id, type_id, period): token for period, token in tokens.items()},
        SLOT_TOKEN_SECONDS,
    )


def known_slots(
    handed_back: str, *, connection_id: int, type_id: int, period: Period
) -> Iterator[list[MagiclineSlot]]:
    """The slots listed at ``period`` as the token handed back names them, then as the token
    remembered when they were listed does (each only if genuine)."""
    remembered = cache.get(_cache_key(connection_id, type_id, period))
    for token in (handed_back, remembered):
        if token:
            yield slots_of(token, connection_id=connection_id, type_id=type_id, period=period)


def slots_of(
    token: str, *, connection_id: int, type_id: int, period: Period
) -> list[MagiclineSlot]:
    """The slots a token names, if it is genuine, recent, of this studio and type, and for
    these instants (a token is never a way to book another slot than the one asked for)."""
    try:
        data = signing.loads(token, salt=SLOT_TOKEN_SALT, max_age=SLOT_TOKEN_SECONDS)
        if data["c"] != connection_id or data["a"] != type_id:
            return []
        variants = [
            MagiclineSlot.of(
                SlotAnswer.model_validate(
                    {
                        "startDateTime": start_raw,
                        "endDateTime": end_raw,
                        "instructors": [{"id": number} for number in numbers],
                    }
                )
            )
            for start_raw, end_raw, numbers in data["v"]
        ]
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return []
    return [v for v in variants if (v.start, v.end) == period]
