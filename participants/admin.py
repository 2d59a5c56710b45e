from django.contrib import admin

from calendar_app.admin import ReadOnlyAdmin
from participants.models import Participation, WaitlistEntry, WaitlistSetting


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


@admin.register(WaitlistEntry)
class WaitlistEntryAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["name", "party_size", "position", "event", "joined_date", "promoted_date"]
    list_filter = ["business"]
    search_fields = ["name", "email", "phone", "id"]
    raw_id_fields = ["event", "participation"]


@admin.register(WaitlistSetting)
class WaitlistSettingAdmin(admin.ModelAdmin):
    list_display = ["schedule", "limit", "promotion"]
    raw_id_fields = ["schedule"]
