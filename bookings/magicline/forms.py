"""The connection form of the Magicline settings page; the rules live in ``services``."""

from django import forms

from calendar_app.sync.egress import refuse_internal_url


class ConnectionForm(forms.Form):
    base_url = forms.URLField(
        label="Base URL",
        max_length=200,
        assume_scheme="https",
        validators=[refuse_internal_url],
        help_text="From Magicline's activation e-mail: https://<tenant>.open-api.magicline.com",
    )
    api_key = forms.CharField(
        label="Open API key",
        max_length=200,
        required=False,
        widget=forms.PasswordInput,
        help_text="Leave empty to keep the stored key.",
    )
    webhook_key = forms.CharField(
        label="Webhook key",
        max_length=200,
        required=False,
        widget=forms.PasswordInput,
        help_text="The key Magicline sends as x-api-key. Leave empty to keep the stored key.",
    )
    max_slot_window_days = forms.IntegerField(
        label="Longest slot window (days)",
        min_value=1,
        max_value=6,
        initial=6,
        help_text="Most studios answer 6 days; the app lowers this itself after a refusal.",
    )


class LinkInstructorForm(forms.Form):
    resource = forms.CharField(
        max_length=250, error_messages={"required": "Pick the staff member to link."}
    )
