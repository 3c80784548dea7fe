"""`sphericity users`: database logins and their roles for a project on a PostgreSQL server."""

from __future__ import annotations

import argparse
import getpass
import sys

ROLE_CHOICES = ("annotator", "reviewer", "clinician")  # core.store.models.ROLES, checked in run


def add_arguments(name: str, parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "project", metavar="PROJECT_URL", help="the project's postgresql+psycopg:// URL (as admin)"
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    add = actions.add_parser("add", help="create a login (or change its role and password)")
    add.add_argument("login", metavar="NAME", help="the login name, which is also the reader name")
    add.add_argument("--role", choices=ROLE_CHOICES, default="annotator")
    add.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from the first line of stdin (default: ask twice on a terminal)",
    )
    actions.add_parser("list", help="list the logins with a Sphericity Studio role")


def run(name: str, args: argparse.Namespace) -> int:
    from core.store import StoreError

    try:
        return _run(args)
    except StoreError as exc:
        print(f"sphericity {name}: {exc}", file=sys.stderr)
        return 1


def _run(args: argparse.Namespace) -> int:
    from sqlalchemy.exc import DBAPIError

    from core.store import Project, StoreError, server_roles

    with Project.open(args.project) as project, project.transaction() as repo:
        connection = repo.session.connection()
        if not server_roles.is_server(connection):
            raise StoreError(
                "users and roles are for a project on a PostgreSQL server; a SQLite project "
                "is used by one person at a time and asks for a name instead"
            )
        if args.action == "list":
            for login, role in server_roles.users(connection):
                print(f"{login}\t{role}")
            return 0
        password = _password(args)
        try:
            server_roles.add_user(connection, args.login, args.role, password)
        except DBAPIError as exc:  # e.g. the admin login lacks CREATEROLE
            raise StoreError(f"the server refused: {exc.orig}") from exc
        repo.ensure_annotator(args.login, args.role)
    print(f"{args.login} can now log in as a {args.role}")
    return 0


def _password(args: argparse.Namespace) -> str | None:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n") or None
    if not sys.stdin.isatty():
        return None  # no password: the server's other methods (peer, certificates) apply
    first = getpass.getpass(f"password for {args.login}: ")
    if first != getpass.getpass("again: "):
        from core.store import StoreError

        raise StoreError("the two passwords differ; nothing was changed")
    return first or None
