from django.contrib import admin

from calendar_app.models import (
    Business,
    ChangeRecord,
    Event,
    EventResource,
    Membership,
    Resource,
    Schedule,
)


class ReadOnlyAdmin:
    """Shown, never changed here: calendar objects change through the services (revision check
    and audit record), which the dashboard pages call; the audit trail itself is never edited."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Business)
class BusinessAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "time_zone", "backend", "events_view_end_date"]
    list_filter = ["backend", "time_zone"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "business", "role", "is_active", "created_date"]
    list_filter = ["role", "is_active", "business"]
    search_fields = ["user__username", "user__email", "business__name"]
    autocomplete_fields = ["user", "business"]


@admin.register(Schedule)
class ScheduleAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["name", "business", "status", "default_capacity", "is_blocked_time", "revision"]
    list_filter = ["status", "is_blocked_time", "business"]
    search_fields = ["name", "id", "external_id"]


@admin.register(Resource)
class ResourceAdmin(admin.ModelAdmin):
    list_display = ["name", "type", "business", "revision"]
    list_filter = ["type", "business"]
    search_fields = ["name", "id"]


class EventResourceInline(ReadOnlyAdmin, admin.TabularInline):
    model = EventResource
    extra = 0
    autocomplete_fields = ["resource"]


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = [
        "title",
        "start_local_date",
        "time_zone",
        "schedule",
        "type",
        "status",
        "recurrence_type",
        "total_capacity",
        "remaining_capacity",
        "revision",
    ]
    list_filter = ["status", "recurrence_type", "type", "business", "schedule"]
    search_fields = ["title", "id", "recurring_event_id"]
    date_hierarchy = "start"
    list_select_related = ["schedule"]
    raw_id_fields = ["schedule"]
    inlines = [EventResourceInline]


@admin.register(ChangeRecord)
class ChangeRecordAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = [
        "created_date",
        "business",
        "actor_kind",
        "actor",
        "action",
        "object_type",
        "object_id",
        "revision_before",
        "revision_after",
    ]
    list_filter = ["actor_kind", "action", "object_type", "business"]
    search_fields = ["object_id", "actor__username"]
    date_hierarchy = "created_date"
