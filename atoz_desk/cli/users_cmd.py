"""`users add|list`."""

from __future__ import annotations

import argparse

from atoz_desk.cli.common import open_services, print_json, read_password
from atoz_desk.domain.money import format_money


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("users", help="add and list users")
    usub = p.add_subparsers(dest="users_command", metavar="ACTION", required=True)

    add = usub.add_parser("add", help="add a user (prompts for the password when interactive)")
    add.add_argument("name", help="user name (lower-case letters, digits, . _ -)")
    add.add_argument("--role", required=True, choices=["adjuster", "supervisor", "admin"])
    add.add_argument("--authority", help="authority limit, e.g. 10000 (default: the role's)")
    add.add_argument("--display-name", help="full name shown in the app and letters")
    add.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    add.set_defaults(func=_add)

    ls = usub.add_parser("list", help="list users")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=_list)


def _add(args: argparse.Namespace) -> int:
    services = open_services(args.database_url)
    password = read_password(f"password for {args.name}: ", args.password_stdin)
    user = services.users.add_user(
        args.name,
        role=args.role,
        authority=args.authority,
        password=password,
        display_name=args.display_name,
    )
    print(f"added {user.username} ({user.role}, authority {format_money(user.authority_limit)})")
    return 0


def _list(args: argparse.Namespace) -> int:
    users = open_services(args.database_url).users.list_users()
    if args.json:
        print_json(users)
        return 0
    print(f"{'user':<16} {'name':<28} {'role':<11} {'authority':>14}  active")
    for u in users:
        print(
            f"{u.username:<16} {u.display_name:<28} {u.role:<11} "
            f"{format_money(u.authority_limit):>14}  {'yes' if u.active else 'no'}"
        )
    return 0
