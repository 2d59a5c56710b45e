from django.apps import AppConfig


class ParticipantsConfig(AppConfig):
    name = "participants"
    verbose_name = "Participants"

    def ready(self) -> None:
        from calendar_app.tenancy import navigation

        navigation.register_settings_section(
            "Reports",
            "reports:page",
            lambda business: "Fill rate, no-shows, waitlist demand and busiest hours",
            order=5,
        )
        from calendar_app.signals import capacity_changed, upstream_capacity_raised
        from participants.services.waitlist import (
            promote_after_capacity_change,
            promote_after_upstream_capacity_raise,
            promote_after_upstream_places_freed,
        )
        from participants.signals import upstream_places_freed

        capacity_changed.connect(
            promote_after_capacity_change, dispatch_uid="participants.promote_after_capacity"
        )
        upstream_capacity_raised.connect(
            promote_after_upstream_capacity_raise,
            dispatch_uid="participants.promote_after_upstream_capacity",
        )
        upstream_places_freed.connect(
            promote_after_upstream_places_freed,
            dispatch_uid="participants.promote_after_upstream_places_freed",
        )
