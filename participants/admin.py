from django.contrib import admin

from calendar_app.admin import ReadOnlyAdmin
from participants.models import Participation


@admin.register(Participation)
class ParticipationAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = [
        "name",
        "email",
        "phone",
        "party_size",
        "status",
        "event",
        "cancelled_date",
        "revision",
        "created_date",
    ]
    list_filter = ["status", "business"]
    search_fields = ["name", "email", "phone", "id", "external_id"]
    raw_id_fields = ["event", "schedule"]
    list_select_related = ["event"]
