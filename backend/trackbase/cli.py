"""Operator commands: `flask --app trackbase users|invitations|search|backup|restore ...`."""

from __future__ import annotations

import os

import click
from flask import Flask
from flask.cli import AppGroup

from .api.errors import ApiError
from .extensions import db

users_cli = AppGroup("users", help="Manage user accounts.")
invitations_cli = AppGroup("invitations", help="Manage invitations.")
search_cli = AppGroup("search", help="Manage the search index.")


def _fail(exc: ApiError) -> None:
    details = "; ".join(f"{k}: {v}" for k, v in exc.fields.items())
    raise click.ClickException(exc.message + (f" ({details})" if details else ""))


@users_cli.command("create")
@click.argument("email")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--role", type=click.Choice(["admin", "member"]), default="member", show_default=True)
@click.option("--name", default="")
def create_user_command(email: str, password: str, role: str, name: str) -> None:
    """Create an active user."""
    from .services import accounts

    try:
        accounts.ensure_roles()
        user = accounts.create_user(email, password, role=role, name=name)
        db.session.commit()
    except ApiError as exc:
        db.session.rollback()
        _fail(exc)
    click.echo(f"Created {role} {user.email} (id {user.id}).")


@users_cli.command("ensure-admin")
def ensure_admin_command() -> None:
    """Create the first admin from TRACKBASE_ADMIN_EMAIL/TRACKBASE_ADMIN_PASSWORD when no admin exists."""
    from .services import accounts

    accounts.ensure_roles()
    db.session.commit()
    if accounts.admin_count() > 0:
        click.echo("An admin already exists.")
        return
    email = os.environ.get("TRACKBASE_ADMIN_EMAIL")
    password = os.environ.get("TRACKBASE_ADMIN_PASSWORD")
    if not email or not password:
        raise click.ClickException("Set TRACKBASE_ADMIN_EMAIL and TRACKBASE_ADMIN_PASSWORD to create the first admin.")
    try:
        user = accounts.create_user(email, password, role="admin", name="Admin")
        db.session.commit()
    except ApiError as exc:
        db.session.rollback()
        _fail(exc)
    click.echo(f"Created admin {user.email}.")


@invitations_cli.command("create")
@click.option("--email", required=True)
@click.option("--role", type=click.Choice(["admin", "member"]), default="member", show_default=True)
@click.option("--days", type=click.IntRange(1, 90), default=None, help="Days until it expires.")
def create_invitation_command(email: str, role: str, days: int | None) -> None:
    """Create an invitation, email it, and print its code."""
    from .services import accounts

    admin = accounts.first_admin()
    if admin is None:
        raise click.ClickException("Create an admin first: flask --app trackbase users create EMAIL --role admin")
    try:
        invitation = accounts.create_invitation(admin, email, role, days)
    except ApiError as exc:
        db.session.rollback()
        _fail(exc)
    click.echo(invitation.code)


@search_cli.command("reindex")
def search_reindex_command() -> None:
    """Rebuild the search index from every product, comment, document and tracker."""
    from .services import products

    counts = products.search.rebuild()
    listed = ", ".join(f"{count} {kind}{'' if count == 1 else 's'}" for kind, count in counts.items())
    click.echo(f"Search index rebuilt: {listed} ({sum(counts.values())} entries).")


def register_cli(app: Flask) -> None:
    from .backup import backup_command, restore_command

    app.cli.add_command(users_cli)
    app.cli.add_command(invitations_cli)
    app.cli.add_command(search_cli)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
