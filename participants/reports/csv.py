"""The reports as CSV, with the participant export's formula-safe cells (a schedule's name is
typed by people and could start like a formula)."""

import csv
from collections.abc import Iterator

from participants.export import _csv_cell as csv_cell
from participants.reports.selectors import WEEKDAYS, Figures, Report

FIGURE_COLUMNS = [
    "Occurrences",
    "Capacity",
    "Booked seats",
    "Fill rate (%)",
    "Checked in",
    "No-shows",
    "Not recorded",
    "No-show rate (%)",
    "Waited without a place",
]


def _percent(rate: float | None) -> str:
    return "" if rate is None else f"{rate * 100:.1f}"


def _figures(f: Figures) -> list:
    return [
        f.occurrences,
        f.capacity,
        f.booked,
        _percent(f.fill_rate),
        f.checked_in,
        f.no_shows,
        f.not_recorded,
        _percent(f.no_show_rate),
        f.waited_unplaced,
    ]


class _Echo:
    def write(self, value: str) -> str:
        return value


def report_lines(report: Report, kind: str) -> Iterator[str]:
    """``kind`` ("weeks", "schedules", "hours") of ``report`` as CSV lines; the first starts
    with a BOM, so Excel reads UTF-8."""
    if kind == "weeks":
        header = ["Week starting", *FIGURE_COLUMNS]
        rows = [[f"{w.start:%Y-%m-%d}", *_figures(w)] for w in report.weeks]
        rows.append(["All", *_figures(report.total)])
    elif kind == "schedules":
        header = ["Schedule", *FIGURE_COLUMNS]
        rows = [[s.label, *_figures(s)] for s in report.schedules]
        rows.append(["All", *_figures(report.total)])
    else:
        header = ["Weekday", *(f"{hour:02d}:00" for hour in range(24))]
        rows = [[WEEKDAYS[day], *seats] for day, seats in enumerate(report.hours)]
    writer = csv.writer(_Echo(), quoting=csv.QUOTE_ALL)
    yield "\ufeff" + writer.writerow(header)
    for row in rows:
        yield writer.writerow([csv_cell(value) for value in row])


def report_filename(report: Report, kind: str) -> str:
    return f"report-{kind}-{report.first_day:%Y-%m-%d}-{report.last_day:%Y-%m-%d}.csv"
