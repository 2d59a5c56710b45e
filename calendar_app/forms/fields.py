"""What the calendar's forms share: labels without a colon, the resources checkboxes, the time
range and weekly repetition fields, and the choices they offer."""

from datetime import datetime, time

from django import forms

from calendar_app import recurrence
from calendar_app.backends import Scope
from calendar_app.models import Event, Resource
from calendar_app.validation import BoundedDateField

SCOPE_THIS = Scope.THIS.value
SCOPE_FOLLOWING = Scope.FOLLOWING.value
SCOPE_SERIES = Scope.ALL.value
# Edits, cancels and restores reach as far as calendars offer (Google Calendar's three choices).
STATUS_SCOPE_CHOICES = [
    (Scope.THIS.value, "Only this occurrence"),
    (Scope.FOLLOWING.value, "This and the following occurrences"),
    (Scope.ALL.value, "All occurrences of the series"),
]
SCOPE_CHOICES = STATUS_SCOPE_CHOICES
WEEKDAY_CHOICES = [(day, day.title()) for day in recurrence.DAYS]
INTERVAL_CHOICES = [
    (1, "Every week"),
    (2, "Every 2 weeks"),
    (3, "Every 3 weeks"),
    (4, "Every 4 weeks"),
]
EVENT_TYPE_CHOICES = [
    (Event.Type.CLASS, "Class"),
    (Event.Type.APPOINTMENT, "Appointment"),
    (Event.Type.COURSE, "Course"),
    (Event.Type.DEFAULT, "Other"),
]


class Form(forms.Form):
    """Labels without the trailing colon."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class ResourceChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Resource) -> str:
        return f"{obj.name} ({obj.get_type_display()})"


class TimeRangeMixin:
    """A date plus start and end times of day (an event ends on the day it starts)."""

    def clean_time_range(self, cleaned: dict) -> None:
        day, start, end = cleaned.get("date"), cleaned.get("start_time"), cleaned.get("end_time")
        if day and start and end:
            cleaned["start_local"] = datetime.combine(day, start)
            cleaned["end_local"] = datetime.combine(day, end)
            if cleaned["end_local"] <= cleaned["start_local"]:
                self.add_error("end_time", "The end time must be after the start time.")


class RepeatMixin:
    """'Repeat weekly' with weekday checkboxes, an interval and an optional last day."""

    def clean_repeat(self, cleaned: dict) -> None:
        if not cleaned.get("repeat_weekly"):
            cleaned["days"] = []
            return
        day = cleaned.get("date")
        if not cleaned.get("days") and day:
            cleaned["days"] = [recurrence.weekday_of(datetime.combine(day, time()))]
        until = cleaned.get("until")
        if until and day and until < day:
            self.add_error("until", "The series must end on or after its first day.")
        cleaned["until_local"] = datetime.combine(until, time(23, 59)) if until else None


def repeat_fields() -> dict:
    return {
        "repeat_weekly": forms.BooleanField(label="Repeat weekly", required=False),
        "days": forms.MultipleChoiceField(
            label="On",
            choices=WEEKDAY_CHOICES,
            required=False,
            widget=forms.CheckboxSelectMultiple,
            help_text="Each weekday becomes its own series. None ticked: the first day's weekday.",
        ),
        "interval": forms.TypedChoiceField(
            label="Repeat", choices=INTERVAL_CHOICES, coerce=int, initial=1, required=False
        ),
        "until": BoundedDateField(
            label="Last day",
            required=False,
            widget=forms.DateInput(attrs={"type": "date"}),
            help_text="Leave empty for a series that keeps going.",
        ),
    }
