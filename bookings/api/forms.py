"""Forms of the API settings page; the rules live in ``bookings.api.services``."""

from django import forms
from django.core.validators import URLValidator

from calendar_app.sync.egress import refuse_internal_url


class ApiKeyForm(forms.Form):
    name = forms.CharField(
        max_length=100,
        help_text='Who uses the key, e.g. "Website booking widget".',
    )


class WebhookForm(forms.Form):
    url = forms.URLField(
        label="URL",
        max_length=500,
        assume_scheme="https",
        validators=[
            URLValidator(schemes=["http", "https"], message="Enter an http or https URL."),
            refuse_internal_url,
        ],
        help_text="We POST each booking created or cancelled here, as JSON.",
    )
