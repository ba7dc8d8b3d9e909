"""`flask` commands for operators and for development set-up."""

import click
from flask import Flask, current_app

from .accounts.models import ROLES
from .accounts.schemas import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH


def register_commands(app: Flask) -> None:
    @app.cli.command("sandbox-register")
    def sandbox_register():
        """Register this app and its Firebase account with the sandbox."""
        from .devsetup import register_with_sandbox

        register_with_sandbox(current_app.config)
        click.echo("registered with the sandbox")

    @app.cli.command("create-user")
    @click.option("--email", required=True, help="Sign-in email of the account.")
    @click.option(
        "--password",
        prompt=True,
        hide_input=True,
        confirmation_prompt=True,
        help="Prompted for, unseen, when not given.",
    )
    @click.option(
        "--role",
        type=click.Choice(ROLES),
        default=None,
        help="consumer for a new account; an existing one keeps its role if unset.",
    )
    @click.option("--name", default=None, help="Display name.")
    def create_user(email: str, password: str, role: str | None, name: str | None):
        """Create an account, or set the role and password of an existing one.

        Prints the account's id and nothing else.
        """
        from .accounts.service import save_staff_or_consumer

        if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
            raise click.BadParameter(
                f"must be {MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} characters",
                param_hint="--password",
            )
        user, _created = save_staff_or_consumer(email, password, role, name)
        click.echo(user.id)
