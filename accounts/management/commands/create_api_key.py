"""Create an API key for scripting: `manage.py create_api_key alice --name ci [--workspace w] [--read-only]`."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.api_keys import ApiKeyError, api_key_create
from accounts.models import User
from workspaces.models import Workspace


class Command(BaseCommand):
    help = "Create an API key for a user and print it (it is shown only once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="command line")
        parser.add_argument("--workspace", help="limit the key to this workspace (by name)")
        parser.add_argument("--read-only", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"no user named {options['username']!r}")
        workspace = None
        if options["workspace"]:
            workspace = Workspace.objects.filter(name=options["workspace"]).first()
            if workspace is None:
                raise CommandError(f"no workspace named {options['workspace']!r}")
        try:
            _, key = api_key_create(
                user=user, name=options["name"], workspace=workspace, read_only=options["read_only"]
            )
        except ApiKeyError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(key)
