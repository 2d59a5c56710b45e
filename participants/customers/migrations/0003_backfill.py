"""Fill every business's customer directory from the participations and customers there are
(``participants.customers.directory.bulk_link`` on the historical models)."""

from django.db import migrations

from participants.customers.directory import bulk_link


def backfill(apps, schema_editor):
    models = {
        "Person": apps.get_model("customers", "Person"),
        "PersonLink": apps.get_model("customers", "PersonLink"),
        "Participation": apps.get_model("participants", "Participation"),
        "Customer": apps.get_model("bookings", "Customer"),
        "AppointmentBooking": apps.get_model("bookings", "AppointmentBooking"),
    }
    for business_id in apps.get_model("calendar_app", "Business").objects.values_list("pk", flat=True):
        bulk_link(business_id=business_id, models=models)


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0002_search_index"),
        ("participants", "0004_waitlist_attendance"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
