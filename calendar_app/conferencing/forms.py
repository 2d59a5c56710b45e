"""The owner's conferencing forms: one target's automation, and the Google credentials."""

from django import forms

from calendar_app.conferencing.models import Provider
from calendar_app.conferencing.selectors import SCHEDULE, SERVICE


class AutomationForm(forms.Form):
    kind = forms.ChoiceField(choices=[(SCHEDULE, "Schedule"), (SERVICE, "Service")])
    target_id = forms.CharField(max_length=250)
    enabled = forms.BooleanField(required=False, label="Add a meeting automatically")
    provider = forms.ChoiceField(choices=Provider.choices)


class GoogleCredentialsForm(forms.Form):
    client_id = forms.CharField(max_length=300, label="OAuth client id")
    client_secret = forms.CharField(
        required=False,
        max_length=300,
        label="OAuth client secret",
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text="Leave empty to keep the stored secret.",
    )
    refresh_token = forms.CharField(
        required=False,
        max_length=2000,
        label="Refresh token",
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text="With the Google Calendar scope. Leave empty to keep the stored token.",
    )
    calendar_id = forms.CharField(
        max_length=300, initial="primary", label="Calendar id", help_text="Usually “primary”."
    )
