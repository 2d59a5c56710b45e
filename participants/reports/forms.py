"""The reports' filter: a date range (default the last 12 weeks, at most a year) and a
schedule (empty: all), read from the query string."""

from datetime import date, timedelta

from django import forms

DEFAULT_WEEKS = 12
MAX_DAYS = 366
REPORTS = {"weeks": "Per week", "schedules": "Per schedule", "hours": "Busiest hours"}


class ReportFilterForm(forms.Form):
    start = forms.DateField(required=False, label="From", widget=forms.DateInput({"type": "date"}))
    end = forms.DateField(required=False, label="To", widget=forms.DateInput({"type": "date"}))
    schedule = forms.CharField(required=False, max_length=250, label="Schedule")

    def __init__(self, data=None, *, today: date):
        super().__init__(data)
        self.today = today
        self.fields["start"].initial = today - timedelta(weeks=DEFAULT_WEEKS) + timedelta(days=1)
        self.fields["end"].initial = today

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        end = cleaned.get("end") or self.today
        start = cleaned.get("start") or end - timedelta(weeks=DEFAULT_WEEKS) + timedelta(days=1)
        if start > end:
            self.add_error("end", "The last day must be on or after the first day.")
        elif (end - start).days + 1 > MAX_DAYS:
            self.add_error("end", "A report covers at most a year; choose a shorter range.")
        cleaned["start"], cleaned["end"] = start, end
        return cleaned


class ExportForm(ReportFilterForm):
    """The filter, and which report to download."""

    report = forms.ChoiceField(choices=list(REPORTS.items()))
