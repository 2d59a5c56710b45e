"""The notifications settings page's forms: the business's sender and a schedule's reminders."""

from datetime import timedelta

from django import forms

from calendar_app.notifications.models import SenderSetting
from calendar_app.notifications.reminders import MAX_LEAD

MAX_LEAD_HOURS = int(MAX_LEAD.total_seconds() // 3600)


class SenderForm(forms.ModelForm):
    """Sender name, reply-to address and footer (address, phone); all optional."""

    class Meta:
        model = SenderSetting
        fields = ["sender_name", "reply_to", "footer_address", "footer_phone"]
        labels = {
            "sender_name": "Sender name",
            "reply_to": "Reply-to address",
            "footer_address": "Footer: address",
            "footer_phone": "Footer: phone",
        }
        error_messages = {
            "reply_to": {
                "invalid": "The reply-to must be an email address, such as desk@studio.example."
            }
        }


class ReminderForm(forms.Form):
    """One schedule's reminders: on or off, and how many hours before each occurrence."""

    schedule = forms.CharField(max_length=250)
    enabled = forms.BooleanField(required=False)
    lead_hours = forms.IntegerField(
        min_value=1,
        max_value=MAX_LEAD_HOURS,
        error_messages={
            "min_value": "The lead time is at least 1 hour.",
            "max_value": f"The lead time is at most {MAX_LEAD_HOURS} hours (14 days).",
            "invalid": "The lead time is a whole number of hours.",
            "required": "Give the lead time in hours.",
        },
    )

    def setting(self) -> dict:
        """The cleaned choice as ``preferences.set_reminders`` takes it."""
        data = self.cleaned_data
        return {
            "schedule_id": data["schedule"],
            "enabled": data["enabled"],
            "lead_time": timedelta(hours=data["lead_hours"]),
        }
