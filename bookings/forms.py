"""Parsing the booking screen's query and actions: plain Django forms, errors as sentences."""

from django import forms


class ScreenQueryForm(forms.Form):
    """What the booking screen shows: a service, a customer, a window, a picked slot."""

    service = forms.IntegerField(required=False, min_value=1)
    customer = forms.IntegerField(required=False, min_value=1)
    start = forms.DateField(
        required=False,
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": "The window start must be a date like 2027-06-07."},
    )
    q = forms.CharField(required=False, max_length=100, strip=True)
    slot = forms.DateTimeField(
        required=False,
        input_formats=["%Y-%m-%dT%H:%M"],
        error_messages={"invalid": "The slot must be a time like 2027-06-07T09:30."},
    )
    instructor = forms.CharField(required=False, max_length=250)


class BookForm(forms.Form):
    """A slot to book: its service, customer, local start and (optionally) the instructor."""

    service = forms.IntegerField(min_value=1, error_messages={"required": "Pick a service."})
    customer = forms.IntegerField(min_value=1, error_messages={"required": "Pick a customer."})
    slot = forms.DateTimeField(
        input_formats=["%Y-%m-%dT%H:%M"],
        error_messages={
            "required": "Pick a slot.",
            "invalid": "The slot must be a time like 2027-06-07T09:30.",
        },
    )
    instructor = forms.CharField(required=False, max_length=250)


def first_error(form: forms.Form) -> str:
    """The first error of a form as one sentence that names the field."""
    for name, errors in form.errors.items():
        return f"{name.capitalize()}: {errors[0]}"
    return ""
