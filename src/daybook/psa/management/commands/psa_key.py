"""`daybook psa_key`: print a new key for DAYBOOK_PSA_KEY."""

from django.core.management.base import BaseCommand

from daybook.psa.crypto import new_key


class Command(BaseCommand):
    help = "Print a new encryption key for PSA credentials (set it as DAYBOOK_PSA_KEY)."

    def handle(self, *args, **options):
        self.stdout.write(new_key())
