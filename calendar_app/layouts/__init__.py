"""Calendar layouts: month, week and day grids and agenda pages, laid out from Query Events.

Each layout asks ``query_events`` for one window (or one agenda page) and places the events on
days and hour slots in the business's time zone, with the links a page needs to move around.

- ``query``: what the page shows (``CalendarQuery``) and its navigation links;
- ``entries``: an event placed on a day (``Entry``), a ``Day``, and their markup;
- ``grids``: month, week and day grids; ``agendas``: agenda pages;
- ``page``: a calendar page's context (``frame`` and ``laid_out``).
"""

from calendar_app.layouts.agendas import AGENDA_PAGE_SIZE, agenda
from calendar_app.layouts.entries import MONTH_DAY_EVENTS, Day, Entry, escape, event_links
from calendar_app.layouts.grids import CALENDAR_EVENT_LIMIT, day_list, grid
from calendar_app.layouts.lanes import Placement, lay_out_lanes
from calendar_app.layouts.page import frame, laid_out, resource_filter
from calendar_app.layouts.query import (
    AGENDA_DAYS,
    BY_RESOURCE_VIEWS,
    VIEWS,
    CalendarQuery,
    navigation,
)

__all__ = [
    "AGENDA_DAYS",
    "AGENDA_PAGE_SIZE",
    "BY_RESOURCE_VIEWS",
    "CALENDAR_EVENT_LIMIT",
    "MONTH_DAY_EVENTS",
    "VIEWS",
    "CalendarQuery",
    "Day",
    "Entry",
    "Placement",
    "agenda",
    "day_list",
    "escape",
    "event_links",
    "frame",
    "grid",
    "laid_out",
    "lay_out_lanes",
    "navigation",
    "resource_filter",
]
