"""Block time: several resources held at once, once or every week."""

from django import forms

from calendar_app.forms.fields import (
    Form,
    RepeatMixin,
    ResourceChoiceField,
    TimeRangeMixin,
    repeat_fields,
)
from calendar_app.models import Resource
from calendar_app.selectors import resources_for
from calendar_app.tenancy.models import Business
from calendar_app.validation import BoundedDateField


class BlockTimeForm(RepeatMixin, TimeRangeMixin, Form):
    """Block several resources at once for a time, once or every week."""

    reason = forms.CharField(
        max_length=180,
        required=False,
        help_text="Shown on the calendar after “Blocked:”, as in “Blocked: Maintenance”.",
    )
    resources = ResourceChoiceField(
        queryset=Resource.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Pick at least one resource to block."},
    )
    date = BoundedDateField(widget=forms.DateInput(attrs={"type": "date"}))
    start_time = forms.TimeField(widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    end_time = forms.TimeField(widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))

    def __init__(self, *args, business: Business, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["resources"].queryset = resources_for(business)
        self.fields.update(repeat_fields())

    def clean(self):
        cleaned = super().clean()
        self.clean_time_range(cleaned)
        self.clean_repeat(cleaned)
        return cleaned

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "reason": data["reason"].strip(),
            "resource_ids": [r.pk for r in data["resources"]],
            "start_local": data["start_local"],
            "end_local": data["end_local"],
            "days": data["days"],
            "interval": data.get("interval") or 1,
            "until_local": data.get("until_local"),
        }
