"""``geo-kissos users``: accounts of the partners' web pages (an operator's commands).

A password is read from a prompt (hidden, asked twice) or, for scripts, from standard input with
``--password-stdin``; it is never a command-line argument (arguments end up in shell histories,
process lists and logs). Every change is written through the audited write path as the operator
(``system:cli:<OS user>``).
"""

from __future__ import annotations

import getpass
import sys

import click

from ..accounts import users
from ..accounts.roles import ROLES, Actor, parse_grants
from .options import open_cli_store, store_option

_ROLE_HELP = ("role or role:scope, repeatable: provider:IČO, orp_coordinator:ORP, region_planner, admin "
              f"({', '.join(ROLES)})")


def _operator() -> Actor:
    try:
        who = getpass.getuser()
    except (KeyError, OSError):  # pragma: no cover - no passwd entry in containers
        who = "unknown"
    return Actor.system(f"cli:{who}")


def _password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        return line.rstrip("\r\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


@click.group("users")
def users_group() -> None:
    """Accounts of the partners' pages: add, list, disable, set-roles, set-password."""


@users_group.command("add")
@click.argument("username")
@click.option("--role", "roles", multiple=True, help=_ROLE_HELP)
@click.option("--name", "display_name", default=None, help="Name shown on pages (an office, a role).")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of standard input.")
@click.option("--oidc-subject", default=None, help="Account of the identity provider (its 'sub'); no password.")
@store_option
def add(username: str, roles: tuple[str, ...], display_name: str | None, password_stdin: bool,
        oidc_subject: str | None, store_url: str) -> None:
    """Create the account USERNAME with its roles."""
    grants = parse_grants(roles)
    with open_cli_store(store_url, exists=True) as store:
        if oidc_subject:
            user = users.add_user(store, _operator(), username, display_name=display_name, grants=grants,
                                  auth_source="oidc", oidc_subject=oidc_subject)
        else:
            user = users.add_user(store, _operator(), username, _password(password_stdin),
                                  display_name=display_name, grants=grants)
        click.echo(f"created {user.username}: {_grants(user)}")


def _grants(user: users.User) -> str:
    return ", ".join(r if s == "*" else f"{r}:{s}" for r, s in sorted(user.grants)) or "(no role)"


@users_group.command("list")
@store_option
def list_(store_url: str) -> None:
    """Every account, its state and roles."""
    with open_cli_store(store_url, exists=True) as store:
        for u in users.list_users(store):
            state = "active" if u.active else "disabled"
            click.echo(f"{u.username:24s} {state:8s} {u.auth_source:5s} {_grants(u)}")


@users_group.command("disable")
@click.argument("username")
@click.option("--enable", is_flag=True, help="Re-enable instead.")
@store_option
def disable(username: str, enable: bool, store_url: str) -> None:
    """Disable USERNAME (every session ends at once), or re-enable it with --enable."""
    with open_cli_store(store_url, exists=True) as store:
        u = users.set_active(store, _operator(), username, enable)
        click.echo(f"{u.username}: {'enabled' if u.active else 'disabled'}")


@users_group.command("set-roles")
@click.argument("username")
@click.option("--role", "roles", multiple=True, help=_ROLE_HELP + "; none = no role")
@store_option
def set_roles(username: str, roles: tuple[str, ...], store_url: str) -> None:
    """Replace the roles of USERNAME by the --role options given."""
    with open_cli_store(store_url, exists=True) as store:
        u = users.set_roles(store, _operator(), username, parse_grants(roles))
        click.echo(f"{u.username}: {_grants(u)}")


@users_group.command("set-password")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of standard input.")
@store_option
def set_password(username: str, password_stdin: bool, store_url: str) -> None:
    """Set a new password for USERNAME (every session of it ends)."""
    with open_cli_store(store_url, exists=True) as store:
        u = users.set_password(store, _operator(), username, _password(password_stdin))
        click.echo(f"{u.username}: password set")


def register(main: click.Group) -> None:
    """Add the commands to ``main``."""
    main.add_command(users_group)
