"""Parsing the booking screen's query and actions: plain Django forms, errors as sentences."""

from django import forms

from bookings.models import WorkingHours
from calendar_app.models import Resource
from calendar_app.validation import validate_year_range


class ScreenQueryForm(forms.Form):
    """What the booking screen shows: a service, a customer, a window, a picked slot."""

    service = forms.IntegerField(required=False, min_value=1)
    customer = forms.IntegerField(required=False, min_value=1)
    start = forms.DateField(
        required=False,
        validators=[validate_year_range],
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": "The window start must be a date like 2027-06-07."},
    )
    q = forms.CharField(required=False, max_length=100, strip=True)
    slot = forms.DateTimeField(
        required=False,
        validators=[validate_year_range],
        input_formats=["%Y-%m-%dT%H:%M"],
        error_messages={"invalid": "The slot must be a time like 2027-06-07T09:30."},
    )
    instructor = forms.CharField(required=False, max_length=250)


class BookForm(forms.Form):
    """A slot to book: its service, customer, local start and (optionally) the instructor."""

    service = forms.IntegerField(min_value=1, error_messages={"required": "Pick a service."})
    customer = forms.IntegerField(min_value=1, error_messages={"required": "Pick a customer."})
    slot = forms.DateTimeField(
        validators=[validate_year_range],
        input_formats=["%Y-%m-%dT%H:%M"],
        error_messages={
            "required": "Pick a slot.",
            "invalid": "The slot must be a time like 2027-06-07T09:30.",
        },
    )
    instructor = forms.CharField(required=False, max_length=250)
    slot_token = forms.CharField(required=False, max_length=2000)


def first_error(form: forms.Form) -> str:
    """The first error of a form as one sentence that names the field."""
    for name, errors in form.errors.items():
        return f"{name.capitalize()}: {errors[0]}"
    return ""


class ResourceForm(forms.Form):
    name = forms.CharField(max_length=200, strip=True)
    type = forms.ChoiceField(choices=Resource.Type.choices)


class WorkingHoursForm(forms.Form):
    """Weekly hours of a resource: a weekday and wall-clock start and end."""

    weekday = forms.TypedChoiceField(choices=WorkingHours.Weekday.choices, coerce=int)
    start_time = forms.TimeField(widget=forms.TimeInput(attrs={"type": "time"}))
    end_time = forms.TimeField(widget=forms.TimeInput(attrs={"type": "time"}))

    def clean(self):
        data = super().clean()
        if (
            data.get("start_time")
            and data.get("end_time")
            and data["end_time"] <= data["start_time"]
        ):
            raise forms.ValidationError("The hours must end after they start.")
        return data


class HoursOverrideForm(forms.Form):
    """A dated exception: closed all day, or other hours that day."""

    date = forms.DateField(
        validators=[validate_year_range], widget=forms.DateInput(attrs={"type": "date"})
    )
    closed = forms.BooleanField(required=False, label="Closed all day")
    start_time = forms.TimeField(required=False, widget=forms.TimeInput(attrs={"type": "time"}))
    end_time = forms.TimeField(required=False, widget=forms.TimeInput(attrs={"type": "time"}))
    note = forms.CharField(required=False, max_length=200, strip=True)

    def clean(self):
        data = super().clean()
        start, end = data.get("start_time"), data.get("end_time")
        if data.get("closed"):
            if start or end:
                raise forms.ValidationError("A closed day has no hours; clear the times.")
        elif not (start and end):
            raise forms.ValidationError("Give the day's hours, or tick “Closed all day”.")
        elif end <= start:
            raise forms.ValidationError("The hours must end after they start.")
        return data
