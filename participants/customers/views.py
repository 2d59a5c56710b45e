"""The Customers pages: the search (its results a partial, for HTMX as you type), one
customer's page, its CSV (owners) and the erase of their personal data (owners, confirmed)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_http_methods
from django.views.decorators.vary import vary_on_headers

from calendar_app.tenancy.access import require_business, require_owner
from calendar_app.views.helpers import render_page
from participants.customers import selectors, services
from participants.customers.models import Person

LIST = "customers/list.html"
DETAIL = "customers/detail.html"
ERASE = "customers/erase.html"
CONFIRM_ERASE = "Tick the box to confirm that this person's personal data is to be erased."


def _person(request: HttpRequest, person_id: int) -> Person:
    """The request's business's person; another business's (or none) is a 404."""
    person = selectors.person_of(business=require_business(request), person_id=person_id)
    if person is None:
        raise Http404("No such customer.")
    return person


def _cursor(request: HttpRequest) -> int | None:
    value = request.GET.get("after", "")
    return int(value) if value.isdigit() and len(value) < 19 else None


@require_GET
@vary_on_headers("HX-Request")
def customer_list(request: HttpRequest) -> HttpResponse:
    """Everyone the business knows, by name; ``?q=`` searches name, email or phone and
    ``?after=`` is the next page's cursor."""
    business = require_business(request)
    query = request.GET.get("q", "").strip()[:100]
    page = selectors.search_people(business=business, query=query, after=_cursor(request))
    context = {"page": page, "query": query, "paged": _cursor(request) is not None}
    return render_page(request, LIST, context, fragment="results")


@require_GET
def customer_detail(request: HttpRequest, person_id: int) -> HttpResponse:
    """One customer: their classes and appointments, attendance, waiting, credits, messages."""
    person = _person(request, person_id)
    return render(request, DETAIL, {"record": selectors.customer_page(person=person)})


@require_GET
def customer_export(request: HttpRequest, person_id: int) -> StreamingHttpResponse:
    """The customer's page as CSV (owners only), streamed."""
    person = _person(request, person_id)
    require_owner(request.membership, "export a customer's data")
    response = StreamingHttpResponse(
        selectors.customer_csv_lines(person=person), content_type="text/csv; charset=utf-8"
    )
    name = slugify(person.name) or "customer"
    response["Content-Disposition"] = f'attachment; filename="customer-{name}.csv"'
    return response


@require_http_methods(["GET", "POST"])
def customer_erase(request: HttpRequest, person_id: int) -> HttpResponse:
    """Ask to confirm, then erase the person's personal data (owners only; staff get a 403)."""
    person = _person(request, person_id)
    if not (request.membership and request.membership.is_owner):
        raise PermissionDenied("Only an owner can erase a customer's personal data.")
    if request.method == "GET":
        return render(request, ERASE, {"person": person})
    if request.POST.get("confirm") != "yes":
        return render(request, ERASE, {"person": person, "error": CONFIRM_ERASE}, status=400)
    erased = services.erase_person(actor=request.membership, person=person)
    counts = ", ".join(
        _count(n, what)
        for n, what in (
            (erased.participations, "participation"),
            (erased.customers, "customer record"),
            (erased.messages, "message"),
        )
    )
    upstream = ""
    if erased.upstream_participations:
        copies = _count(erased.upstream_participations, "participation")
        upstream = f" The upstream calendar's copies of {copies} are being erased too."
    messages.success(
        request, f"Personal data erased; kept as anonymous counts: {counts}.{upstream}"
    )
    return redirect("customers:list")


def _count(n: int, what: str) -> str:
    return f"{n} {what}{'' if n == 1 else 's'}"
