"""recurrence.occurrence_day: the one reading of the day of its series an occurrence stands for,
used by the local backend (one occurrence per day) and by the feed (the rule's day it overrides)."""

from datetime import date, datetime

from calendar_app.backends import instance_id
from calendar_app.recurrence import occurrence_day
from tests.factories import EventFactory


def test_a_local_occurrence_stands_for_the_day_its_id_was_made_for():
    master = EventFactory.build(id="series-1")
    pk = instance_id(master, datetime(2026, 3, 30, 9, 0))

    assert occurrence_day(pk, "2026-03-30T09:00:00") == date(2026, 3, 30)


def test_an_occurrence_moved_to_another_day_keeps_the_day_it_was_made_for():
    assert occurrence_day("series-1_20260330T0900", "2026-04-02T18:00:00") == date(2026, 3, 30)


def test_an_occurrence_moved_into_a_series_split_off_keeps_its_day():
    # Its id still names the series it was made in; the day is what counts.
    assert occurrence_day("old-master_20260406T0900", "2026-04-06T10:30:00") == date(2026, 4, 6)


def test_an_upstream_s_opaque_id_stands_for_the_day_it_starts():
    opaque = "130o4ncd8k5e9t2vhd0q2k2r5g_20260330T070000Z"

    assert occurrence_day(opaque, "2026-03-31T09:00:00") == date(2026, 3, 31)
