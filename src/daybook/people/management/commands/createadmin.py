"""`daybook createadmin`: create an administrator who can sign in to /admin/ and the app."""

import getpass
import os

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from daybook.people.choices import Role
from daybook.people.services import member_create

PASSWORD_ENV = "DAYBOOK_ADMIN_PASSWORD"  # noqa: S105 - a variable name, not a secret


def _messages(error: ValidationError) -> str:
    return " ".join(error.messages)


class Command(BaseCommand):
    help = (
        "Create an administrator. Asks for what is missing, or with --no-input takes the "
        f"password from --password or ${PASSWORD_ENV}."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--username")
        parser.add_argument("--email", default=None)
        parser.add_argument("--password", help=f"prefer ${PASSWORD_ENV}: argv is visible to others")
        parser.add_argument(
            "--no-input",
            "--noinput",
            dest="interactive",
            action="store_false",
            help="never prompt; fail if something is missing",
        )

    def handle(self, *args, username, email, password, interactive, **options) -> None:
        password = password or os.environ.get(PASSWORD_ENV) or None
        if interactive:
            try:
                username = username or input("Username: ").strip()
                if email is None:
                    email = input("Email (optional): ").strip()
                if not password:
                    password = self._ask_password()
            except EOFError:
                raise CommandError("No input to read; give the values with --no-input.") from None
        if not username:
            raise CommandError("A username is needed (--username).")
        if not password:
            raise CommandError(f"A password is needed (--password or ${PASSWORD_ENV}).")
        email = email or ""

        User = get_user_model()
        if User.objects.filter(username=username).exists():
            raise CommandError(f"The username {username!r} is already taken; nothing was created.")
        try:
            validate_password(password, user=User(username=username, email=email))
        except ValidationError as error:
            raise CommandError(f"Password refused: {_messages(error)}") from None
        try:
            member = member_create(
                username=username,
                role=Role.ADMIN,
                superuser=True,
                password=password,
                email=email,
            )
        except ValidationError as error:
            raise CommandError(_messages(error)) from None
        self.stdout.write(f"Administrator {member.user.username!r} created; sign in at /admin/.")

    def _ask_password(self) -> str:
        first = getpass.getpass("Password: ")
        if getpass.getpass("Password (again): ") != first:
            raise CommandError("The two passwords differ; nothing was created.")
        return first
