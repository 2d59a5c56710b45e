"""The rows of the reports' per-week tables as HTML (``templates/participants/reports.html``
keeps each table's caption and header).

A year is 53 rows in each of three tables: rendered one template variable at a time (about 700
variables) they cost 6-7 ms of the page's CPU, so, like the charts' shapes (``charts``), each
table's rows are written here as one safe string, every value escaped (``format_html_join``)."""

from django.utils.html import format_html_join
from django.utils.safestring import SafeString

from participants.reports.selectors import Report

ROWS = {
    "fill": (
        '<tr><th scope="row">{}</th><td>{}</td><td>{} / {}</td><td>{}</td></tr>',
        lambda w: (w.label, w.occurrences, w.booked, w.capacity, w.fill_text),
    ),
    "no_shows": (
        '<tr><th scope="row">{}</th><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>',
        lambda w: (w.label, w.checked_in, w.no_shows, w.not_recorded, w.no_show_text),
    ),
    "waitlist": (
        '<tr><th scope="row">{}</th><td>{}</td></tr>',
        lambda w: (w.label, w.waited_unplaced),
    ),
}


def report_tables(report: Report) -> dict[str, SafeString]:
    """The ``<tr>``s of the fill-rate, no-show and waitlist tables of a ``selectors.Report``,
    one per week of its range."""
    return {
        table: format_html_join("", row, (cells(week) for week in report.weeks))
        for table, (row, cells) in ROWS.items()
    }
