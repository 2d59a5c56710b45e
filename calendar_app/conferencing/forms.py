"""The owner's conferencing forms: one target's automation, and the Google credentials."""

from django import forms
from django.http import Http404
from django.shortcuts import get_object_or_404

from calendar_app.conferencing.models import Provider
from calendar_app.conferencing.selectors import SCHEDULE, SERVICE, automation_targets
from calendar_app.tenancy.models import Business


class AutomationForm(forms.Form):
    kind = forms.ChoiceField(choices=[(SCHEDULE, "Schedule"), (SERVICE, "Service")])
    target_id = forms.CharField(max_length=250)
    enabled = forms.BooleanField(required=False, label="Add a meeting automatically")
    provider = forms.ChoiceField(choices=Provider.choices)

    def switch(self, business: Business) -> dict:
        """The valid form as the arguments of ``services.set_automation``: ``enabled``,
        ``provider`` and the ``schedule`` or ``appointment`` chosen, one ``business`` can
        automate (any other id is a 404, as for every object of another business)."""
        schedules, appointments = automation_targets(business)
        data = self.cleaned_data
        target_id = data["target_id"].strip()
        switch = {"enabled": data["enabled"], "provider": data["provider"]}
        if data["kind"] == SCHEDULE:
            return {**switch, "schedule": get_object_or_404(schedules, pk=target_id)}
        if not (target_id.isdigit() and len(target_id) < 19):
            raise Http404("No such service.")  # a service's id is a number
        return {**switch, "appointment": get_object_or_404(appointments, pk=target_id)}


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
