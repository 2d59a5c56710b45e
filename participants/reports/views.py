"""The reports page (owners only) and its CSV downloads: parse the filter, ask the selector,
render (the charts' geometry comes from ``charts``, the tables' rows from ``tables``)."""

from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from calendar_app.tenancy.access import require_business, require_owner
from participants.reports import charts, selectors, tables
from participants.reports.csv import report_filename, report_lines
from participants.reports.forms import ExportForm, ReportFilterForm

PAGE = "participants/reports.html"


def _owner_business(request: HttpRequest):
    business = require_business(request)
    require_owner(request.membership, "see the attendance reports")
    return business


def _filter(request: HttpRequest, business, form_class):
    """The bound filter and the schedule it names (None: all); another business's schedule,
    or one that does not exist, is a 404."""
    today = timezone.localdate(timezone=business.zone)
    form = form_class(request.GET, today=today)  # nothing given: the default range
    valid = form.is_valid()
    schedule = None
    if valid and form.cleaned_data["schedule"]:
        schedule = (
            selectors.report_schedules(business).filter(pk=form.cleaned_data["schedule"]).first()
        )
        if schedule is None:
            raise Http404("No such schedule.")
    return form, valid, schedule


@require_safe
def reports_page(request: HttpRequest) -> HttpResponse:
    """Fill rate, no-show rate, waitlist demand and busiest hours for the chosen range."""
    business = _owner_business(request)
    form, valid, schedule = _filter(request, business, ReportFilterForm)
    context = {
        "form": form,
        "schedules": selectors.report_schedules(business),
        "schedule": schedule,
    }
    if not valid:
        return render(request, PAGE, context, status=400)
    report = selectors.attendance_report(
        business=business,
        first_day=form.cleaned_data["start"],
        last_day=form.cleaned_data["end"],
        schedule=schedule,
    )
    context.update(
        report=report,
        charts=charts.report_charts(report),
        tables=tables.report_tables(report),
        query=request.GET.urlencode(),
        start=form.cleaned_data["start"],
        end=form.cleaned_data["end"],
    )
    return render(request, PAGE, context)


@require_safe
def reports_export(request: HttpRequest) -> HttpResponse:
    """One report as CSV (``report``: weeks, schedules or hours) for the same filter."""
    business = _owner_business(request)
    form, valid, schedule = _filter(request, business, ExportForm)
    if not valid:
        problems = " ".join(error for errors in form.errors.values() for error in errors)
        return HttpResponse(problems, status=400, content_type="text/plain; charset=utf-8")
    report = selectors.attendance_report(
        business=business,
        first_day=form.cleaned_data["start"],
        last_day=form.cleaned_data["end"],
        schedule=schedule,
    )
    kind = form.cleaned_data["report"]
    response = StreamingHttpResponse(
        report_lines(report, kind), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{report_filename(report, kind)}"'
    return response
