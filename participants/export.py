"""The participant list as CSV: every participation of an event, in the business's zone, with
each cell defused so that no spreadsheet runs it as a formula."""

import csv
import re
from collections.abc import Iterator
from datetime import datetime

from django.utils.text import slugify

from calendar_app.models import Event
from participants.selectors import participations_for_event

CSV_COLUMNS = ["Name", "Email", "Phone", "Party size", "Status", "Notes", "Added", "Cancelled"]


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
PHONE_NUMBER = re.compile(r"\+[\d ()./x-]+")  # x: an extension
LEFT_TO_RIGHT_MARK = "\u200e"
# A separator or line break inside a cell, followed (after spaces or quotes) by a formula start.
INNER_FORMULA_START = re.compile(r"([,;\n\r])(?=[ \"]*[=+\-@\t\r])")


def _csv_cell(value) -> str:
    """Text that Excel, LibreOffice and Sheets show as text, never run as a formula.

    Cells are quoted (``QUOTE_ALL``), which keeps ``x;=cmd`` one cell for a reader that splits
    at commas. A spreadsheet whose locale splits at ``;`` (German Excel) stops honouring the
    quotes after the first cell of a comma file, so a ``;`` or line break inside a cell can
    start a new cell there: such a part gets an invisible left-to-right mark in front, and so
    does a phone number (``+49 30 1234``), instead of a visible ``'``. The mark is not
    whitespace, so no import trims it away, and it keeps a number's ``+`` on the left in
    right-to-left sheets. Anything else that starts like a formula gets the ``'`` that marks
    text (and shows that the value was defused).
    """
    text = "" if value is None else str(value)
    text = INNER_FORMULA_START.sub(lambda match: match.group(1) + LEFT_TO_RIGHT_MARK, text)
    if not text.startswith(FORMULA_STARTS):
        return text
    if PHONE_NUMBER.fullmatch(text):
        return LEFT_TO_RIGHT_MARK + text
    return f"'{text}"


class _Echo:
    """A file-like object whose ``write`` hands the line back (for a streamed csv.writer)."""

    def write(self, value: str) -> str:
        return value


def csv_lines(event: Event) -> Iterator[str]:
    """Every participation of the event (cancelled ones marked), whatever page or search the
    dashboard shows, as CSV lines in the business's zone; read in chunks, so the size of the
    list never matters. The first line starts with a BOM, so Excel reads UTF-8."""
    zone = event.business.zone

    def local(value: datetime | None) -> str:
        return value.astimezone(zone).strftime("%Y-%m-%d %H:%M") if value else ""

    writer = csv.writer(_Echo(), quoting=csv.QUOTE_ALL)
    yield "\ufeff" + writer.writerow(CSV_COLUMNS)
    for p in participations_for_event(event).iterator(chunk_size=2000):
        row = [
            p.name,
            p.email,
            p.phone,
            p.party_size,
            p.get_status_display(),
            p.notes,
            local(p.created_date),
            local(p.cancelled_date),
        ]
        yield writer.writerow([_csv_cell(v) for v in row])


def csv_filename(event: Event) -> str:
    """``participants-<title>-<date>.csv``, the date in the business's zone."""
    date = event.start.astimezone(event.business.zone).strftime("%Y-%m-%d")
    return f"participants-{slugify(event.title) or 'event'}-{date}.csv"
