from django.apps import AppConfig


class ParticipantsConfig(AppConfig):
    name = "participants"
    verbose_name = "Participants"

    def ready(self) -> None:
        from calendar_app.signals import capacity_changed
        from participants.services.waitlist import promote_after_capacity_change

        capacity_changed.connect(
            promote_after_capacity_change, dispatch_uid="participants.promote_after_capacity"
        )
