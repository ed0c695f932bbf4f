from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _sync_roles(sender, **kwargs) -> None:
    from .roles import roles_sync

    roles_sync()


class PeopleConfig(AppConfig):
    name = "daybook.people"
    label = "people"

    def ready(self) -> None:
        # After every migrate, like Django's own permission creation: groups follow the code.
        post_migrate.connect(_sync_roles, sender=self, dispatch_uid="daybook.people.sync_roles")
