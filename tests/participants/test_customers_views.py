"""The Customers pages: the top bar's link, the search and its pages, a customer's page, the
CSV and the erase (owners only, confirmed), and another business's ids answering 404."""

import pytest
from django.urls import reverse

from calendar_app.models import ChangeRecord
from participants.customers import services
from participants.customers.models import Person
from participants.models import Participation
from tests.factories import EventFactory, ParticipationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ada(business, schedule):
    event = EventFactory(schedule=schedule, title="Morning Flow")
    ParticipationFactory(
        event=event, name="Ada Lovelace", email="ada@example.com", phone="+49 151 2345678"
    )
    ParticipationFactory(event=event, name="Bob Builder", email="bob@example.com", phone="0171 555")
    services.sync_directory(business=business)
    return Person.objects.get(key="e:ada@example.com")


@pytest.fixture
def theirs(other_business):
    event = EventFactory(schedule__business=other_business)
    ParticipationFactory(event=event, name="Eve Elsewhere", email="eve@example.com")
    services.sync_directory(business=other_business)
    return Person.objects.get(business=other_business)


def test_the_top_bar_has_customers_marked_current_on_its_pages(staff_client, ada):
    html = staff_client.get(reverse("customers:list")).content.decode()

    assert f'<a href="{reverse("customers:list")}" aria-current="page">Customers</a>' in html
    assert 'aria-current="page">Calendar' not in html


def test_the_list_shows_this_business_s_people_only(staff_client, ada, theirs):
    html = staff_client.get(reverse("customers:list")).content.decode()

    assert "Ada Lovelace" in html and "Bob Builder" in html
    assert "Eve Elsewhere" not in html


def test_a_search_over_htmx_answers_with_the_results_only(staff_client, ada):
    response = staff_client.get(
        reverse("customers:list"), {"q": "0171 555"}, HTTP_HX_REQUEST="true"
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "Bob Builder" in html and "Ada Lovelace" not in html
    assert "<header" not in html
    assert response["Vary"].count("HX-Request") == 1


def test_the_next_page_link_follows_the_cursor(staff_client, business, schedule, ada):
    event = EventFactory(schedule=schedule)
    for n in range(30):
        ParticipationFactory(event=event, name=f"Zed {n:02d}", email=f"zed{n}@example.com")
    services.sync_directory(business=business)

    first = staff_client.get(reverse("customers:list"))
    after = first.context["page"].next_after
    second = staff_client.get(reverse("customers:list"), {"after": after})

    assert f"after={after}" in first.content.decode()
    assert "Zed 29" in second.content.decode() and "Ada Lovelace" not in second.content.decode()


@pytest.mark.parametrize("after", ["abc", "-1", "99999999999999999999999", "0"])
def test_a_bad_cursor_shows_the_first_page(staff_client, ada, after):
    response = staff_client.get(reverse("customers:list"), {"after": after})

    assert response.status_code == 200


def test_the_customer_page_shows_their_visits(staff_client, ada):
    response = staff_client.get(reverse("customers:detail", args=[ada.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Ada Lovelace" in html and "Morning Flow" in html
    assert "Erase personal data" not in html  # staff see no owner actions


def test_another_business_s_customer_is_a_404_everywhere(owner_client, theirs):
    for name in ("customers:detail", "customers:export", "customers:erase"):
        assert owner_client.get(reverse(name, args=[theirs.pk])).status_code == 404
    response = owner_client.post(reverse("customers:erase", args=[theirs.pk]), {"confirm": "yes"})
    assert response.status_code == 404
    assert Person.objects.filter(pk=theirs.pk).exists()


def test_owners_export_the_customer_as_csv(owner_client, ada):
    response = owner_client.get(reverse("customers:export", args=[ada.pk]))

    body = b"".join(response.streaming_content).decode()
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="customer-ada-lovelace.csv"' in response["Content-Disposition"]
    assert "Morning Flow" in body


def test_the_csv_lists_a_participation_in_a_whole_schedule_without_times(
    owner_client, ada, schedule
):
    schedule.name = "Spring Term"
    schedule.save()
    whole_term = Participation.objects.create(
        business=schedule.business, schedule=schedule, name=ada.name, email=ada.email
    )
    assert services.record_participation(participation=whole_term) == ada

    response = owner_client.get(reverse("customers:export", args=[ada.pk]))

    assert response.status_code == 200
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert lines[-1].startswith('"Class","Spring Term (every class)","",""')
    assert any('"Morning Flow"' in line for line in lines[2:-1])


def test_staff_cannot_export_or_erase(staff_client, ada):
    assert staff_client.get(reverse("customers:export", args=[ada.pk])).status_code == 403
    page = staff_client.get(reverse("customers:erase", args=[ada.pk]))
    assert page.status_code == 403
    assert "Only an owner can erase a customer&#x27;s personal data." in page.content.decode()
    assert (
        staff_client.post(reverse("customers:erase", args=[ada.pk]), {"confirm": "yes"}).status_code
        == 403
    )
    assert Person.objects.filter(pk=ada.pk).exists()


def test_the_erase_asks_for_confirmation_and_changes_nothing_without_it(owner_client, ada):
    assert (
        "Yes, erase the personal data of Ada Lovelace"
        in owner_client.get(reverse("customers:erase", args=[ada.pk])).content.decode()
    )

    response = owner_client.post(reverse("customers:erase", args=[ada.pk]), {})

    assert response.status_code == 400
    assert "Tick the box to confirm" in response.content.decode()
    assert Participation.objects.filter(name="Ada Lovelace").exists()
    assert not ChangeRecord.objects.filter(action="erase").exists()


def test_a_confirmed_erase_anonymises_and_goes_back_to_the_list(owner_client, ada):
    response = owner_client.post(
        reverse("customers:erase", args=[ada.pk]), {"confirm": "yes"}, follow=True
    )

    assert response.redirect_chain[-1][0] == reverse("customers:list")
    assert (
        "anonymous counts: 1 participation, 0 customer records, 0 messages."
        in response.content.decode()
    )
    assert not Participation.objects.filter(name="Ada Lovelace").exists()
    assert Participation.objects.count() == 2
    assert ChangeRecord.objects.filter(action="erase").count() == 1
    assert owner_client.get(reverse("customers:detail", args=[ada.pk])).status_code == 404
