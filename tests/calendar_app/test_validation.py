"""Input limits: the year range and the ``localDate`` format every stored date goes through."""

from datetime import date, datetime

import pytest
from django.core.exceptions import ValidationError

from calendar_app.models import format_local_date, parse_local_date
from calendar_app.validation import BoundedDateField, validate_year_range


@pytest.mark.parametrize("value", [date(1900, 1, 1), date(2999, 12, 31), datetime(2026, 6, 1)])
def test_years_1900_to_2999_are_accepted(value):
    validate_year_range(value)


@pytest.mark.parametrize("value", [date(1, 1, 1), date(1899, 12, 31), date(3000, 1, 1)])
def test_other_years_are_refused_with_the_range_named(value):
    with pytest.raises(ValidationError, match="between the years 1900 and 2999"):
        validate_year_range(value)


def test_a_date_field_refuses_a_year_out_of_range():
    field = BoundedDateField()

    with pytest.raises(ValidationError, match="between the years 1900 and 2999"):
        field.clean("0999-01-01")
    assert field.clean("2026-06-01") == date(2026, 6, 1)


def test_a_local_date_before_the_year_1000_is_zero_padded_and_reads_back():
    formatted = format_local_date(datetime(1, 1, 1, 10, 0, 30))

    assert formatted == "0001-01-01T10:00:00"
    assert parse_local_date(formatted) == datetime(1, 1, 1, 10)
