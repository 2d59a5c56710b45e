"""Magicline's answers read into the contract's tolerant shapes, in one place.

Everything the client returns, and everything the apply functions of ``sync`` and ``customers``
take, is read through ``read_answer`` into a ``…Answer`` of ``bookings.contract``: unknown fields
and statuses the contract does not list yet are tolerated, while an answer the app cannot read
(a missing id, a wrong type, a date-time not in the contract's form) is ``MagiclineMalformed``
naming the field. A request answers that as an outage (503, nothing applied); a delivery fails
alone, with that sentence as its reason.
"""

import logging
from dataclasses import dataclass
from datetime import datetime

from bookings.contract import InstructorAnswer, SlotAnswer, zoned_date_time
from bookings.errors import ContractError
from bookings.magicline.errors import MagiclineMalformed
from bookings.mapping import parse_answer

logger = logging.getLogger(__name__)


def read_answer[T](shape: type[T], body: object, *, what: str) -> T:
    """``body`` (an answer of ``what``, parsed JSON or already read) as ``shape``."""
    try:
        return parse_answer(shape, body)
    except ContractError as error:
        logger.warning("Magicline %s answered something we cannot read: %s", what, error)
        raise MagiclineMalformed(str(error), what=what, reference=error.reference) from None


@dataclass(frozen=True)
class MagiclineSlot:
    """A slot as received: the raw date-time strings (sent back unchanged) and parsed instants."""

    start_date_time: str
    end_date_time: str
    start: datetime
    end: datetime
    instructors: tuple[InstructorAnswer, ...]

    @property
    def instructor_ids(self) -> list[int]:
        return [item.id for item in self.instructors]

    @property
    def identity(self) -> tuple:
        return (self.start_date_time, self.end_date_time, tuple(sorted(self.instructor_ids)))

    @classmethod
    def of(cls, answer: SlotAnswer) -> "MagiclineSlot":
        return cls(
            start_date_time=answer.start_date_time,
            end_date_time=answer.end_date_time,
            start=zoned_date_time(answer.start_date_time),
            end=zoned_date_time(answer.end_date_time),
            instructors=tuple(answer.instructors or ()),
        )
