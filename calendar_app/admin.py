"""Django admin. Calendar objects (schedules, events, resources, participations) and the audit
trail are read-only here: they change on the dashboard pages, through the services (revision
check and audit record). Businesses and memberships are created here (a new business and its
first owner); their changes go through the services too, audited with ``source="admin"``."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from calendar_app import audit
from calendar_app.errors import CalendarError
from calendar_app.models import (
    BulkOperation,
    ChangeRecord,
    Event,
    EventResource,
    Resource,
    Schedule,
)
from calendar_app.tenancy import services
from calendar_app.tenancy.models import Business, Membership


class ReadOnlyAdmin:
    """Shown, never changed here: calendar objects change through the services (revision check
    and audit record), which the dashboard pages call; the audit trail itself is never edited."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


ADMIN_SOURCE = "admin"  # ChangeRecord.source of a change made in Django admin


class MembershipInline(ReadOnlyAdmin, admin.TabularInline):
    """Listed on the business; added and changed on the membership's own page (audited)."""

    model = Membership
    extra = 0
    fields = ["user", "role", "is_active", "created_date"]
    readonly_fields = fields


@admin.register(Business)
class BusinessAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "time_zone", "backend", "events_view_end_date"]
    list_filter = ["backend", "time_zone"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    # The backend is switched by connecting Wix; the events view is extended by beat.
    readonly_fields = ["backend", "events_view_end_date"]
    inlines = [MembershipInline]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # it would delete every calendar object and the audit trail with it

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        audit.record_change(
            business=obj,
            actor=None,
            obj=obj,
            action="update" if change else "create",
            revision_before=None,
            source=ADMIN_SOURCE,
            changes={
                field: [form.initial.get(field) if change else None, form.cleaned_data[field]]
                for field in form.changed_data
            },
        )


class MembershipAdminForm(forms.ModelForm):
    """Refuses, as the team page does, to leave a business without an active owner."""

    class Meta:
        model = Membership
        fields = ["user", "business", "role", "is_active"]

    def clean(self) -> dict:
        cleaned = super().clean()
        membership = self.instance
        steps_down = membership.pk and membership.is_owner and membership.is_active
        if steps_down and (
            cleaned.get("role") != Membership.Role.OWNER or not cleaned.get("is_active")
        ):
            try:
                services.keep_an_active_owner(membership=membership)
            except CalendarError as error:
                raise ValidationError(str(error)) from error
        return cleaned


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    """Adds a membership and changes its role or access through the team services (audited,
    the last active owner kept); a membership is deactivated, never deleted."""

    form = MembershipAdminForm
    list_display = ["user", "business", "role", "is_active", "created_date"]
    list_filter = ["role", "is_active", "business"]
    search_fields = ["user__username", "user__email", "business__name"]
    autocomplete_fields = ["user", "business"]

    def get_fields(self, request, obj=None) -> list[str]:
        if obj is None:
            return ["user", "business", "role"]
        return ["user", "business", "role", "is_active", "created_date"]

    def get_readonly_fields(self, request, obj=None) -> list[str]:
        return ["user", "business", "created_date"] if obj else []

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            saved = services.add_membership(
                actor=None,
                business=obj.business,
                user=obj.user,
                role=obj.role,
                source=ADMIN_SOURCE,
            )
            obj.pk = saved.pk
            return
        if "role" in form.changed_data:
            services.set_membership_role(
                actor=None, membership=obj, role=obj.role, source=ADMIN_SOURCE
            )
        if "is_active" in form.changed_data:
            services.set_membership_active(
                actor=None, membership=obj, is_active=obj.is_active, source=ADMIN_SOURCE
            )


@admin.register(Schedule)
class ScheduleAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["name", "business", "status", "default_capacity", "is_blocked_time", "revision"]
    list_filter = ["status", "is_blocked_time", "business"]
    search_fields = ["name", "id", "external_id"]


@admin.register(Resource)
class ResourceAdmin(ReadOnlyAdmin, admin.ModelAdmin):
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


@admin.register(BulkOperation)
class BulkOperationAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """Progress and errors of the background operations, for whoever looks into one that
    failed; the task is the only writer."""

    list_display = ["created_date", "business", "kind", "schedule", "state", "done", "total"]
    list_filter = ["state", "kind", "business"]
