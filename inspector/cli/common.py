"""Shared pieces of the records commands: ``--db``, ``--user``, passwords, error printing.

Authentication on the command line: ``--user NAME`` (or ``INSPECTOR_USER``) names the
user; the password comes from the ``INSPECTOR_PASSWORD`` variable, else from a prompt
(without echo) when stdin is a terminal. A new password (``users add``, ``users passwd``)
comes from ``INSPECTOR_NEW_PASSWORD``, else from a prompt asked twice. The database is
``--db PATH``, else ``INSPECTOR_DB``, else ``inspector.db`` in the user data folder.

Every handler is wrapped by :func:`handles_errors`: a :class:`RecordsError` (and the
other errors a user can cause) prints ``inspector <command>: <message>`` on stderr and
returns 2; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import argparse
import functools
import getpass
import os
import sys
from collections.abc import Callable

from inspector.auth import AuthError, User, authenticate
from inspector.calibration import CalibrationError
from inspector.recipes import RecipeError
from inspector.sampling import SamplingError
from inspector.store import RecordsError, SqliteStore, open_store

__all__ = [
    "NEW_PASSWORD_ENV",
    "PASSWORD_ENV",
    "USER_ENV",
    "UsageError",
    "db_options",
    "handles_errors",
    "new_password",
    "open_db",
    "password",
    "sign_in",
    "user_options",
]

PASSWORD_ENV = "INSPECTOR_PASSWORD"
NEW_PASSWORD_ENV = "INSPECTOR_NEW_PASSWORD"
USER_ENV = "INSPECTOR_USER"

Handler = Callable[[argparse.Namespace], int]


class UsageError(RecordsError):
    """Bad use of a command that argparse cannot see (missing password source, options)."""


def db_options() -> argparse.ArgumentParser:
    """Return a parent parser with ``--db``."""
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument(
        "--db",
        metavar="PATH",
        help="records database (default: $INSPECTOR_DB, else inspector.db in the user data folder)",
    )
    return parent


def user_options() -> argparse.ArgumentParser:
    """Return a parent parser with ``--db`` and ``--user``."""
    parent = db_options()
    parent.add_argument(
        "--user",
        metavar="NAME",
        help="who runs the command (default: $INSPECTOR_USER); the password comes from "
        "$INSPECTOR_PASSWORD or a prompt",
    )
    return parent


def open_db(args: argparse.Namespace) -> SqliteStore:
    """Open the database the options name."""
    return open_store(getattr(args, "db", None))


def password(prompt: str = "Password: ") -> str:
    """Return the password from ``INSPECTOR_PASSWORD`` or a no-echo prompt on a terminal."""
    value = os.environ.get(PASSWORD_ENV)
    if value is not None:
        return value
    if sys.stdin.isatty():
        return getpass.getpass(prompt)
    raise UsageError(f"no password: set {PASSWORD_ENV} or run the command on a terminal")


def new_password(prompt: str = "New password: ") -> str:
    """Return a new password from ``INSPECTOR_NEW_PASSWORD`` or a prompt asked twice."""
    value = os.environ.get(NEW_PASSWORD_ENV)
    if value is not None:
        return value
    if not sys.stdin.isatty():
        raise UsageError(f"no new password: set {NEW_PASSWORD_ENV} or run on a terminal")
    first = getpass.getpass(prompt)
    if getpass.getpass("Repeat it: ") != first:
        raise UsageError("the two passwords differ; nothing was changed")
    return first


def sign_in(store: SqliteStore, args: argparse.Namespace) -> User:
    """Authenticate the ``--user`` of the command; raise :class:`AuthError` if that fails."""
    name = getattr(args, "user", None) or os.environ.get(USER_ENV)
    if not name:
        raise AuthError(f"sign in with --user NAME (or set {USER_ENV})")
    return authenticate(store, name, password(f"Password for {name}: "))


#: Errors a user can cause; printed as one line, exit status 2.
USER_ERRORS: tuple[type[Exception], ...] = (
    RecordsError,
    RecipeError,
    SamplingError,
    CalibrationError,
)


def handles_errors(command: str) -> Callable[[Handler], Handler]:
    """Wrap a handler: user errors print one line on stderr and return 2."""

    def wrap(fn: Handler) -> Handler:
        @functools.wraps(fn)
        def run(args: argparse.Namespace) -> int:
            try:
                return fn(args)
            except USER_ERRORS as exc:
                print(f"inspector {command}: {exc}", file=sys.stderr)
                return 2
            except BrokenPipeError:
                # The reader (``| head``) went away: stop quietly, as Unix tools do.
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, sys.stdout.fileno())
                return 0
            except KeyboardInterrupt:
                print(f"inspector {command}: interrupted", file=sys.stderr)
                return 2

        return run

    return wrap
