"""SVG geometry for the reports: bars, axes and a weekday x hour grid, computed here so the
template only writes the shapes (``templates/participants/reports.html``). No JavaScript: the
page is drawn on the server, and every shape has a ``<title>`` with its exact number.

The repeated shapes (a year's bars, the 168 hour cells) are written here as one safe string
each: rendered one template variable at a time, they cost most of the page's server time."""

from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from participants.reports.selectors import NO_VALUE, WEEKDAYS, percent

PERCENT, COUNT = "percent", "count"


def show(value: float | None, unit: str) -> str:
    """A number as the tables and tooltips show it: ``75%``, ``12``, a dash for none."""
    if unit == PERCENT:
        return percent(value)
    return NO_VALUE if value is None else f"{value:,.0f}"


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    title: str  # what a pointer or a screen reader gets: "Week of 1 Jun 2026: 75%"

    def svg(self) -> str:
        return (
            f'<rect x="{self.x}" y="{self.y}" width="{self.width}" height="{self.height}">'
            f"<title>{escape(self.title)}</title></rect>"
        )


@dataclass(frozen=True)
class Tick:
    x: float
    y: float
    text: str


@dataclass(frozen=True)
class Chart:
    """A bar chart: its bars, the value axis' ticks (with grid lines) and the category labels."""

    slug: str  # element ids
    title: str
    description: str
    width: int
    height: int
    bars: list[Bar]
    value_ticks: list[Tick]
    labels: list[Tick]
    horizontal: bool
    plot_left: float
    plot_right: float
    plot_top: float
    plot_bottom: float

    @property
    def shapes(self) -> SafeString:
        """The bars as SVG ``<rect>``s, each with its ``<title>`` (escaped)."""
        return mark_safe("".join(bar.svg() for bar in self.bars))


def _nice_top(largest: float, unit: str) -> float:
    """The value axis' top: 100% for rates (more when overbooked), a round count otherwise."""
    if unit == PERCENT:
        return max(1.0, largest)
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000):
        if largest <= step * 4:
            return step * 4
    return largest


def _ticks(top: float) -> list[float]:
    return [top * n / 4 for n in range(5)]


def column_chart(
    *,
    slug: str,
    title: str,
    description: str,
    points: list[tuple[str, str, float | None]],
    unit: str,
    width: int = 640,
    height: int = 240,
) -> Chart:
    """Vertical bars, one per point ``(axis label, full label, value)`` (a week); a point
    without a value draws no bar. Every ``n``-th axis label is shown so that they never
    overlap."""
    left, right, top, bottom = 44.0, width - 8.0, 12.0, height - 28.0
    largest = max((v for _, _, v in points if v is not None), default=0)
    axis_top = _nice_top(largest, unit)
    slot = (right - left) / max(len(points), 1)
    every = max(1, round(len(points) / 8))
    bars, labels = [], []
    for n, (axis_label, full_label, value) in enumerate(points):
        x = left + n * slot
        if value is not None:
            bar_height = (bottom - top) * value / axis_top if axis_top else 0
            bars.append(
                Bar(
                    x=round(x + slot * 0.15, 2),
                    y=round(bottom - bar_height, 2),
                    width=round(slot * 0.7, 2),
                    height=round(bar_height, 2),
                    title=f"{full_label}: {show(value, unit)}",
                )
            )
        if n % every == 0:
            labels.append(Tick(x=round(x + slot / 2, 2), y=bottom + 16, text=axis_label))
    value_ticks = [
        Tick(x=left - 6, y=round(bottom - (bottom - top) * v / axis_top, 2), text=show(v, unit))
        for v in _ticks(axis_top)
    ]
    return Chart(
        slug=slug,
        title=title,
        description=description,
        width=width,
        height=height,
        bars=bars,
        value_ticks=value_ticks,
        labels=labels,
        horizontal=False,
        plot_left=left,
        plot_right=right,
        plot_top=top,
        plot_bottom=bottom,
    )


def bar_chart(
    *,
    slug: str,
    title: str,
    description: str,
    points: list[tuple[str, float | None]],
    unit: str,
    width: int = 640,
) -> Chart:
    """Horizontal bars, one row per point ``(label, value)`` (a schedule), labels on the left."""
    row = 26.0
    left, right, top = 180.0, width - 12.0, 8.0
    bottom = top + row * max(len(points), 1)
    height = int(bottom + 24)
    largest = max((v for _, v in points if v is not None), default=0)
    axis_top = _nice_top(largest, unit)
    bars, labels = [], []
    for n, (label, value) in enumerate(points):
        y = top + n * row
        shown = label if len(label) <= 26 else label[:25] + "…"
        labels.append(Tick(x=left - 6, y=round(y + row * 0.65, 2), text=shown))
        if value is not None:
            bars.append(
                Bar(
                    x=left,
                    y=round(y + row * 0.15, 2),
                    width=round((right - left) * value / axis_top, 2) if axis_top else 0,
                    height=round(row * 0.7, 2),
                    title=f"{label}: {show(value, unit)}",
                )
            )
    value_ticks = [
        Tick(x=round(left + (right - left) * v / axis_top, 2), y=bottom + 16, text=show(v, unit))
        for v in _ticks(axis_top)
    ]
    return Chart(
        slug=slug,
        title=title,
        description=description,
        width=width,
        height=height,
        bars=bars,
        value_ticks=value_ticks,
        labels=labels,
        horizontal=True,
        plot_left=left,
        plot_right=right,
        plot_top=top,
        plot_bottom=bottom,
    )


@dataclass(frozen=True)
class Cell:
    x: float
    y: float
    size: float
    opacity: float  # 0 for an empty slot, up to 1 for the busiest
    title: str

    def svg(self) -> str:
        fill = f'#2f5bd3" fill-opacity="{self.opacity}' if self.opacity else "#f6f7f9"
        return (
            f'<rect x="{self.x}" y="{self.y}" width="{self.size}" height="{self.size}" rx="3" '
            f'fill="{fill}"><title>{escape(self.title)}</title></rect>'
        )


@dataclass(frozen=True)
class Grid:
    """Booked seats by weekday (rows) and hour (columns), darker for more."""

    slug: str
    title: str
    description: str
    width: int
    height: int
    cells: list[Cell]
    row_labels: list[Tick]
    column_labels: list[Tick]

    @property
    def shapes(self) -> SafeString:
        """The cells as SVG ``<rect>``s, each with its ``<title>`` (escaped)."""
        return mark_safe("".join(cell.svg() for cell in self.cells))


def hours_grid(*, slug: str, title: str, description: str, hours: list[list[int]]) -> Grid:
    """The weekday x hour grid of ``hours`` (``hours[weekday][hour]`` seats)."""
    size, left, top = 24.0, 40.0, 20.0
    busiest = max((seats for row in hours for seats in row), default=0)
    cells = []
    for day, row in enumerate(hours):
        for hour, seats in enumerate(row):
            cells.append(
                Cell(
                    x=left + hour * size,
                    y=top + day * size,
                    size=size - 2,
                    opacity=round(0.12 + 0.88 * seats / busiest, 3) if seats else 0,
                    title=f"{WEEKDAYS[day]} {hour:02d}:00: {seats} seat{'s' if seats != 1 else ''}",
                )
            )
    row_labels = [
        Tick(x=left - 6, y=top + day * size + size * 0.65, text=name)
        for day, name in enumerate(WEEKDAYS)
    ]
    column_labels = [
        Tick(x=left + hour * size + size / 2 - 1, y=top - 6, text=f"{hour:02d}")
        for hour in range(0, 24, 3)
    ]
    width = int(left + 24 * size + 4)
    height = int(top + len(WEEKDAYS) * size + 4)
    return Grid(slug, title, description, width, height, cells, row_labels, column_labels)


def report_charts(report) -> dict:
    """The page's charts of a ``selectors.Report``: fill rate, no-show rate and waitlist
    demand per week, fill rate per schedule, and the busiest hours."""
    weeks = [(f"{w.start:%-d %b}", f"Week of {w.label}", w) for w in report.weeks]
    return {
        "fill": column_chart(
            slug="fill",
            title="Fill rate per week",
            description="Booked seats over capacity, per week of the range.",
            points=[(short, full, w.fill_rate) for short, full, w in weeks],
            unit=PERCENT,
        ),
        "no_shows": column_chart(
            slug="no-shows",
            title="No-show rate per week",
            description="No-shows over the participants whose attendance was recorded.",
            points=[(short, full, w.no_show_rate) for short, full, w in weeks],
            unit=PERCENT,
        ),
        "waitlist": column_chart(
            slug="waitlist",
            title="Waitlist demand per week",
            description="People who waited and never got a place, per week.",
            points=[(short, full, w.waited_unplaced) for short, full, w in weeks],
            unit=COUNT,
        ),
        "schedules": bar_chart(
            slug="schedules",
            title="Fill rate per schedule",
            description="Booked seats over capacity, per schedule, over the whole range.",
            points=[(s.label, s.fill_rate) for s in report.schedules],
            unit=PERCENT,
        ),
        "hours": hours_grid(
            slug="hours",
            title="Busiest hours",
            description="Booked seats by weekday and starting hour; darker is busier.",
            hours=report.hours,
        ),
    }
