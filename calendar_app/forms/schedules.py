"""Schedule forms: a new schedule, and a schedule's edit from the revision it was opened at."""

from django import forms

from calendar_app.forms.fields import Form
from calendar_app.models import Schedule


class ScheduleForm(Form):
    name = forms.CharField(max_length=200)
    default_capacity = forms.IntegerField(
        label="Default capacity", min_value=1, max_value=10000, required=False
    )
    default_location_name = forms.CharField(
        label="Default location", max_length=150, required=False
    )

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        location = data["default_location_name"].strip()
        return {
            "name": data["name"].strip(),
            "default_capacity": data["default_capacity"],
            "default_location": {"type": "CUSTOM", "name": location} if location else None,
        }

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError("Give the schedule a name.")
        return name


class ScheduleEditForm(ScheduleForm):
    """Rename a schedule or change its defaults, from the revision the form was opened at."""

    revision = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, schedule: Schedule, **kwargs):
        self.schedule = schedule
        kwargs.setdefault(
            "initial",
            {
                "name": schedule.name,
                "default_capacity": schedule.default_capacity,
                "default_location_name": (schedule.default_location or {}).get("name", ""),
                "revision": schedule.revision,
            },
        )
        super().__init__(*args, **kwargs)

    def changes(self) -> dict:
        """What the person changed, as ``services.update_schedule`` changes.

        New events take their title from the schedule's default title, which follows the name
        unless it was set apart from it; an unchanged location name keeps the location as it is.
        """
        schedule = self.schedule
        wanted = self.service_kwargs()
        changes: dict = {}
        if wanted["name"] != schedule.name:
            changes["name"] = wanted["name"]
            if schedule.default_title in ("", schedule.name):
                changes["default_title"] = wanted["name"]
        if wanted["default_capacity"] != schedule.default_capacity:
            changes["default_capacity"] = wanted["default_capacity"]
        location = self.cleaned_data["default_location_name"].strip()
        if location != (schedule.default_location or {}).get("name", ""):
            changes["default_location"] = wanted["default_location"]
        return changes
