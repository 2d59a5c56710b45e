"""The owner's form to connect the calendar to a Wix site."""

from django import forms

from calendar_app.sync.egress import refuse_internal_url
from calendar_app.wix.models import DEFAULT_BASE_URL


class ConnectWixForm(forms.Form):
    base_url = forms.URLField(
        initial=DEFAULT_BASE_URL,
        validators=[refuse_internal_url],
        help_text="Leave as it is unless support told you otherwise.",
    )
    api_key = forms.CharField(
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text="From the Wix API Keys Manager. Leave empty to keep the stored key.",
    )
    site_id = forms.CharField(max_length=100, label="Site id")
    instance_id = forms.CharField(max_length=100, label="App instance id")
    public_key_pem = forms.CharField(
        label="Webhook public key (PEM)",
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false"}),
    )
    app_ids = forms.CharField(
        required=False,
        label="Mirror only these app ids",
        help_text="Comma-separated; empty mirrors every app's events.",
    )
    history_days = forms.IntegerField(
        min_value=0, max_value=3650, initial=30, label="Days of history to read"
    )

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        data["app_ids"] = [part.strip() for part in data["app_ids"].split(",") if part.strip()]
        return data
