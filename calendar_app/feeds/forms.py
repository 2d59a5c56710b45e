from django import forms

from calendar_app.feeds.models import CalendarFeed


class FeedTargetForm(forms.Form):
    """What a new feed shows: the business, or one schedule or resource (by id)."""

    kind = forms.ChoiceField(choices=CalendarFeed.Kind.choices)
    target_id = forms.CharField(max_length=250, required=False)

    def clean(self):
        cleaned = super().clean()
        kind, target_id = cleaned.get("kind"), cleaned.get("target_id")
        if kind and kind != CalendarFeed.Kind.BUSINESS and not target_id:
            raise forms.ValidationError("Choose the schedule or resource the feed shows.")
        return cleaned


class PersonalDataForm(forms.Form):
    include_personal_data = forms.TypedChoiceField(
        choices=[("yes", "Include"), ("no", "Leave out")],
        coerce=lambda value: value == "yes",
    )
