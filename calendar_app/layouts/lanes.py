"""Side-by-side lanes for the events of one time-grid column (a day, or a resource on a day).

Pure Python on minutes: no database, no dates. The week and day grids and the by-resource
columns all place their timed events through ``lay_out_lanes``.
"""

from collections.abc import Sequence
from typing import NamedTuple

MIN_HEIGHT_MINUTES = 20  # a short event is drawn at least this tall, so its title stays readable


class Placement(NamedTuple):
    """Where one item sits in its column: ``top`` and ``height`` in minutes from the grid's
    first hour, and its ``lane`` of ``lanes`` shared with the items it overlaps.

    A tuple: a busy week places a thousand items, and a frozen dataclass costs several times
    as much to build."""

    top: int
    height: int
    lane: int
    lanes: int

    @property
    def shown(self) -> bool:
        """Whether the item is drawn (its lane is within the column's ``max_lanes``)."""
        return self.lane < self.lanes


def lay_out_lanes(
    spans: Sequence[tuple[int, int]], *, offset: int = 0, max_lanes: int | None = None
) -> list[Placement]:
    """Place items given as ``(begin, end)`` minutes of one column; the result is in the order
    of ``spans``.

    Items are taken by start (the longer first on a tie); a group ends when the next item
    starts after every item in it has ended, and each item takes the first lane that is free
    by its start (as calendars do). Every item of a group shares the group's lane count, so
    overlapping items never cover each other. An item is at least ``MIN_HEIGHT_MINUTES`` tall,
    and counts as that tall when it comes to overlapping.

    With ``max_lanes`` a group is drawn in at most that many lanes (as FullCalendar's
    ``eventMaxStack``): an item in a later lane is not ``shown`` (the page counts it in a
    "+N more" link instead), and the shown ones share the capped width.
    """
    # By start, the longer first (two stable sorts on plain numbers: a busy week has a
    # thousand items, and a tuple each is garbage to collect).
    ends = [finish for _, finish in spans]
    order = sorted(range(len(spans)), key=ends.__getitem__, reverse=True)
    order.sort(key=[begin for begin, _ in spans].__getitem__)
    lanes_of, groups_of = [0] * len(spans), [0] * len(spans)  # and ``ends`` drawn
    group_lanes: list[int] = []
    lane_ends: list[int] = []
    group_end = -1
    for i in order:
        begin, finish = spans[i]
        if finish < begin + MIN_HEIGHT_MINUTES:
            finish = begin + MIN_HEIGHT_MINUTES
        if begin >= group_end:  # a new group: the previous one is closed with its lane count
            if lane_ends:
                group_lanes.append(len(lane_ends))
            lane_ends = []
        for lane, end in enumerate(lane_ends):  # the first lane free by its start
            if end <= begin:
                lane_ends[lane] = finish
                break
        else:
            lane = len(lane_ends)
            lane_ends.append(finish)
        ends[i], lanes_of[i], groups_of[i] = finish, lane, len(group_lanes)
        if finish > group_end:
            group_end = finish
    if lane_ends:
        group_lanes.append(len(lane_ends))
    cap = max_lanes or len(spans) or 1
    group_lanes = [lanes if lanes < cap else cap for lanes in group_lanes]
    return [
        Placement(begin - offset, finish - begin, lane, group_lanes[group])
        for (begin, _), finish, lane, group in zip(spans, ends, lanes_of, groups_of, strict=True)
    ]
