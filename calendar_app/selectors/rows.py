"""The calendar's window read in one statement written here, around the conditions Django
compiles: events' columns and each event's resources, from the union of a window's parts.

A busy week reads a thousand events; compiling the whole statement through the ORM (two
selects of sixteen columns, each with a subquery, their union and its order) cost more than
reading the rows. Django compiles only what changes from page to page, each part's ``WHERE``
(the Query Events filter language becomes conditions there); the rest is fixed text.
"""

from django.conf import settings
from django.core.exceptions import EmptyResultSet, FullResultSet
from django.db import connection
from django.db.models import QuerySet
from psycopg.types.datetime import TimestamptzLoader

from calendar_app.models import Event, EventResource

# Each event's resources as one text column of the event's own row: "transparency id" pairs
# (control characters apart, which no id or enum holds), so no second query names the events.
LINK, LINKS = "\x1f", "\x1e"


def read_window(
    parts: list[QuerySet[Event]], *, fields: tuple[str, ...], sort: tuple[str, str], limit: int
) -> list[tuple]:
    """The events of ``parts`` (querysets of events, told apart by their conditions alone) as
    rows of their ``fields`` and their resource links (``LINK``/``LINKS``, NULL for none), in
    ``sort`` order (a field and ASC or DESC, then id the same way), at most ``limit``.

    On PostgreSQL the first part (the events starting in the window) is ordered and cut on its
    own too: read in index order, it stops at the page (SQLite takes no order or limit inside
    a union). The others (the few events already running) are not: told to stop at the page,
    the planner walked the business's events in order to find them, all of them when none
    runs (the agenda's 50 read 15,000).
    """
    quote = connection.ops.quote_name
    table = quote(Event._meta.db_table)
    columns = ", ".join(
        f"{table}.{quote(Event._meta.get_field(name).column)} AS {quote(name)}" for name in fields
    )
    links, links_params = _links(table)
    field, order = sort
    if order not in ("ASC", "DESC"):
        raise ValueError(f"Sort order {order!r} is neither ASC nor DESC.")
    order_by = f" ORDER BY {quote(field)} {order}, {quote('id')} {order} LIMIT {int(limit)}"
    selects, params = [], []
    for part in parts:
        where, where_params = where_clause(part)
        selects.append(f"SELECT {columns}, {links} AS {quote('links')} FROM {table}{where}")
        params += [*links_params, *where_params]
    if len(selects) > 1 and connection.features.supports_slicing_ordering_in_compound:
        selects[0] = f"({selects[0]}{order_by})"
    with connection.cursor() as cursor:
        _native_timestamps(cursor)
        cursor.execute(" UNION ALL ".join(selects) + order_by, params)
        return cursor.fetchall()


def _native_timestamps(cursor) -> None:
    """On PostgreSQL (psycopg 3) with time zones on, this cursor reads ``timestamptz`` with
    psycopg's own loader, in C. Django's, in Python, only gives back the zone the connection
    reads them in already (UTC): a week's thousand events have two each."""
    adapters = getattr(cursor.cursor, "adapters", None)
    if connection.vendor != "postgresql" or not settings.USE_TZ or adapters is None:
        return
    adapters.register_loader("timestamptz", TimestamptzLoader)


def where_clause(part: QuerySet[Event]) -> tuple[str, list]:
    """The part's conditions as `` WHERE …`` (as Django's compiler words them: an empty
    result compares 0 with 1, a full one has no ``WHERE``)."""
    query = part.query
    try:
        sql, params = query.get_compiler(connection=connection).compile(query.where)
    except EmptyResultSet:
        return " WHERE 0 = 1", []
    except FullResultSet:
        return "", []
    return f" WHERE {sql}", list(params)


def _links(table: str) -> tuple[str, list[str]]:
    """The subquery of an event's resource links (its row of ``table``)."""
    quote = connection.ops.quote_name
    held = quote(EventResource._meta.db_table)
    event_id = quote(EventResource._meta.get_field("event").column)
    resource_id = quote(EventResource._meta.get_field("resource").column)
    joined = f"{held}.{quote('transparency')} || %s || {held}.{resource_id}"
    aggregate = "STRING_AGG" if connection.vendor == "postgresql" else "GROUP_CONCAT"
    return (
        f"(SELECT {aggregate}({joined}, %s) FROM {held} WHERE {held}.{event_id} = "
        f"{table}.{quote('id')} GROUP BY {held}.{event_id})",
        [LINK, LINKS],
    )
