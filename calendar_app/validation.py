"""Input limits shared by every form, query parameter and id: one place for what "too odd to
store" means, so no bad value reaches the database (where it would be a 500)."""

from datetime import date, datetime

from django import forms
from django.core.exceptions import ValidationError

# Dates the app accepts anywhere: wide enough for any real booking or history, narrow enough
# that previous/next arithmetic, time-zone conversion and ``localDate`` formatting never overflow.
MIN_YEAR, MAX_YEAR = 1900, 2999
DATE_RANGE_MESSAGE = f"Pick a date between the years {MIN_YEAR} and {MAX_YEAR}."
NUL = "\x00"


def has_nul(value: str) -> bool:
    return NUL in value


def validate_year_range(value: date | datetime) -> None:
    """Refuse dates outside ``MIN_YEAR``..``MAX_YEAR`` with a message a person understands."""
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise ValidationError(DATE_RANGE_MESSAGE, code="date_range")


class BoundedDateField(forms.DateField):
    """A date field that accepts only years ``MIN_YEAR``..``MAX_YEAR``."""

    default_validators = [validate_year_range]
