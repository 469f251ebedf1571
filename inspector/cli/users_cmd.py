"""``inspector users add|list|passwd|lock|role``: the people who may use the records.

The very first user is added without signing in and must be an admin (the bootstrap);
after that only an admin adds, locks and unlocks users. A new password comes from
``INSPECTOR_NEW_PASSWORD`` or a prompt asked twice.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from inspector import auth
from inspector.cli.common import (
    db_options,
    handles_errors,
    new_password,
    open_db,
    sign_in,
    user_options,
)


def register(subparsers: Any) -> None:
    """Add the ``users`` command and its sub-commands."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "users", help="add, list and lock users", description=__doc__
    )
    sub = parser.add_subparsers(dest="users_command", metavar="ACTION", required=True)
    common = user_options()

    p = sub.add_parser("add", parents=[common], help="add a user (the first one: an admin)")
    p.add_argument("name", metavar="NAME")
    p.add_argument("--role", required=True, choices=[r.value for r in auth.Role])
    p.add_argument("--full-name", required=True, help="printed name, as on signatures")
    p.set_defaults(handler=_add)

    p = sub.add_parser("list", parents=[db_options()], help="list users")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_list)

    p = sub.add_parser("passwd", parents=[common], help="set a new password")
    p.add_argument("name", metavar="NAME", nargs="?", help="whose (default: your own)")
    p.set_defaults(handler=_passwd)

    p = sub.add_parser("lock", parents=[common], help="lock (or --unlock) a user")
    p.add_argument("name", metavar="NAME")
    p.add_argument("--unlock", action="store_true", help="unlock instead")
    p.add_argument("--reason", default="")
    p.set_defaults(handler=_lock)

    p = sub.add_parser("role", parents=[common], help="give a user another role")
    p.add_argument("name", metavar="NAME")
    p.add_argument("role", metavar="ROLE", choices=[r.value for r in auth.Role])
    p.add_argument("--reason", default="")
    p.set_defaults(handler=_role)


@handles_errors("users add")
def _add(args: argparse.Namespace) -> int:
    with open_db(args) as store:
        actor = sign_in(store, args) if auth.has_users(store) else None
        user = auth.add_user(
            store,
            actor,
            name=args.name,
            full_name=args.full_name,
            role=args.role,
            password=new_password(f"Password for {args.name}: "),
        )
    print(f"user {user.name} ({user.role.value}, {user.full_name}) added")
    return 0


@handles_errors("users list")
def _list(args: argparse.Namespace) -> int:
    with open_db(args) as store:
        users = auth.list_users(store)
    if args.json:
        print(json.dumps([u.__dict__ for u in users], indent=2, ensure_ascii=False))
        return 0
    for u in users:
        state = (
            "locked" if u.disabled else (f"locked until {u.locked_until}" if u.locked_until else "")
        )
        print(f"{u.name:<16} {u.role.value:<10} {u.full_name:<28} {state}".rstrip())
    return 0


@handles_errors("users passwd")
def _passwd(args: argparse.Namespace) -> int:
    with open_db(args) as store:
        actor = sign_in(store, args)
        name = args.name or actor.name
        auth.change_password(store, actor, name, new_password(f"New password for {name}: "))
    print(f"password of {name} changed")
    return 0


@handles_errors("users lock")
def _lock(args: argparse.Namespace) -> int:
    with open_db(args) as store:
        actor = sign_in(store, args)
        user = auth.set_locked(store, actor, args.name, locked=not args.unlock, reason=args.reason)
    print(f"user {user.name} {'locked' if user.disabled else 'unlocked'}")
    return 0


@handles_errors("users role")
def _role(args: argparse.Namespace) -> int:
    with open_db(args) as store:
        actor = sign_in(store, args)
        user = auth.set_role(store, actor, args.name, args.role, reason=args.reason)
    print(f"user {user.name} is now {user.role.value}")
    return 0
