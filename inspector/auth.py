"""Users, roles, passwords and the permission check every changing command makes.

Roles and what they may do:

==========  ===============================================================
inspector   open lots, run inspections
engineer    open lots, run inspections, review rings, edit recipes, dispose lots
manager     sign lots, issue certificates (and read everything)
admin       add users, change roles, lock and unlock users, reset passwords
==========  ===============================================================

The check lives here, in the core (:func:`require`), not in the CLI or the GUI.

Passwords are kept only as salted scrypt hashes (``hashlib.scrypt``, RFC 7914), in the
self-describing form ``scrypt$N$r$p$<salt hex>$<hash hex>`` so the cost can be raised later.
After :data:`MAX_FAILED_ATTEMPTS` wrong passwords in a row the account locks for
:data:`LOCKOUT_MINUTES`. The very first user may be created without signing in (the
bootstrap admin); after that only an admin adds users. The records always keep at least
one admin who is not locked: the last one cannot lose the role.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from inspector import audit
from inspector.store import admin_sql, repo
from inspector.store.errors import RecordsError
from inspector.store.sqlite import Row, SqliteStore, Tx

__all__ = [
    "LOCKOUT_MINUTES",
    "MAX_FAILED_ATTEMPTS",
    "MIN_PASSWORD_LENGTH",
    "Account",
    "AuthError",
    "Permission",
    "PermissionDenied",
    "Role",
    "User",
    "add_user",
    "authenticate",
    "change_password",
    "hash_password",
    "list_accounts",
    "list_users",
    "require",
    "set_locked",
    "set_role",
    "verify_password",
]

MAX_FAILED_ATTEMPTS = 5
LOCKOUT_MINUTES = 15
MIN_PASSWORD_LENGTH = 8

# scrypt cost: N=2**14, r=8, p=1 takes ~50 ms and 16 MiB, the interactive-login figure of RFC 7914.
SCRYPT_N = 2**14
SCRYPT_R = 8
SCRYPT_P = 1
_DKLEN = 32


class AuthError(RecordsError):
    """Sign-in failed, or a user cannot be added or changed as asked."""


class PermissionDenied(AuthError):
    """The signed-in user's role does not allow the command."""


class Role(StrEnum):
    """A user's role."""

    INSPECTOR = "inspector"
    ENGINEER = "engineer"
    MANAGER = "manager"
    ADMIN = "admin"


class Permission(StrEnum):
    """Something that changes data, checked against the role."""

    OPEN_LOT = "open lots"
    INSPECT = "record inspections"
    REVIEW = "review rings"
    EDIT_RECIPE = "edit recipes"
    DISPOSE = "dispose lots"
    SIGN = "sign lots"
    ISSUE_CERTIFICATE = "issue certificates"
    MANAGE_USERS = "manage users"


_GRANTS: dict[Permission, frozenset[Role]] = {
    Permission.OPEN_LOT: frozenset({Role.INSPECTOR, Role.ENGINEER}),
    Permission.INSPECT: frozenset({Role.INSPECTOR, Role.ENGINEER}),
    Permission.REVIEW: frozenset({Role.ENGINEER}),
    Permission.EDIT_RECIPE: frozenset({Role.ENGINEER}),
    Permission.DISPOSE: frozenset({Role.ENGINEER}),
    Permission.SIGN: frozenset({Role.MANAGER}),
    Permission.ISSUE_CERTIFICATE: frozenset({Role.MANAGER}),
    Permission.MANAGE_USERS: frozenset({Role.ADMIN}),
}


@dataclass(frozen=True)
class User:
    """A user as the services see one (never the password hash)."""

    id: int
    name: str
    full_name: str
    role: Role
    locked_until: str | None = None
    disabled: bool = False

    def can(self, permission: Permission) -> bool:
        """Return True when the role grants ``permission``."""
        return self.role in _GRANTS[permission]


def require(user: User | None, permission: Permission) -> User:
    """Return ``user`` when its role grants ``permission``; else raise :class:`PermissionDenied`."""
    if user is None:
        raise PermissionDenied(f"sign in to {permission.value}")
    if not user.can(permission):
        roles = " or ".join(sorted(r.value for r in _GRANTS[permission]))
        raise PermissionDenied(
            f"{user.name} is {_article(user.role)} {user.role.value} and may not "
            f"{permission.value}; that needs {_article(roles)} {roles}"
        )
    return user


def _article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"


# --- passwords ---------------------------------------------------------------------------


def hash_password(password: str, *, n: int = SCRYPT_N, r: int = SCRYPT_R, p: int = SCRYPT_P) -> str:
    """Return a salted scrypt hash of ``password`` in ``scrypt$N$r$p$salt$hash`` form."""
    salt = os.urandom(16)
    digest = hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=_DKLEN, maxmem=64 * 1024 * 1024
    )
    return f"scrypt${n}${r}${p}${salt.hex()}${digest.hex()}"


def _check_hash(password: str, stored: str) -> bool:
    try:
        kind, n, r, p, salt, digest = stored.split("$")
        if kind != "scrypt":
            return False
        got = hashlib.scrypt(
            password.encode("utf-8"),
            salt=bytes.fromhex(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=len(digest) // 2,
            maxmem=64 * 1024 * 1024,
        )
    except ValueError:
        return False
    return hmac.compare_digest(got.hex(), digest)


def _check_new_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AuthError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")


# --- users -------------------------------------------------------------------------------


def _user(row: Row) -> User:
    return User(
        id=int(row["id"]),
        name=str(row["name"]),
        full_name=str(row["full_name"]),
        role=Role(row["role"]),
        locked_until=row["locked_until"],
        disabled=bool(row["disabled"]),
    )


def _public(row: Row | User) -> dict[str, object]:
    user = row if isinstance(row, User) else _user(row)
    return {
        "name": user.name,
        "full_name": user.full_name,
        "role": user.role.value,
        "disabled": user.disabled,
        "locked_until": user.locked_until,
    }


def _parse_role(role: str | Role) -> Role:
    try:
        return Role(role)
    except ValueError:
        known = ", ".join(r.value for r in Role)
        raise AuthError(f"'{role}' is not a role (roles: {known})") from None


def add_user(
    store: SqliteStore,
    actor: User | None,
    *,
    name: str,
    full_name: str,
    role: str | Role,
    password: str,
) -> User:
    """Add a user. With no users yet, ``actor`` may be None and the role must be admin.

    Raises
    ------
    AuthError, PermissionDenied
        Bad name, role or password; name taken; not an admin (after the bootstrap).
    """
    role = _parse_role(role)
    name = name.strip()
    if not name or any(c.isspace() for c in name):
        raise AuthError("a user name must be one word without spaces")
    if not full_name.strip():
        raise AuthError("a user needs a printed full name (it appears on signatures)")
    _check_new_password(password)
    password_hash = hash_password(password)
    with store.transaction() as tx:
        bootstrap = repo.count_users(tx) == 0
        if bootstrap:
            if role is not Role.ADMIN:
                raise AuthError("the first user must be an admin (use --role admin)")
        else:
            require(actor, Permission.MANAGE_USERS)
        if repo.user_by_name(tx, name) is not None:
            raise AuthError(f"a user named {name} already exists")
        now = audit.now_utc()
        user_id = repo.insert_user(
            tx,
            name=name,
            full_name=full_name.strip(),
            role=role.value,
            password_hash=password_hash,
            created_utc=now,
        )
        user = User(id=user_id, name=name, full_name=full_name.strip(), role=role)
        audit.record(
            tx,
            user if bootstrap else actor,
            "create",
            "user",
            name,
            new=_public(user),
            reason="bootstrap admin" if bootstrap else "",
            time_utc=now,
        )
    return user


@dataclass(frozen=True)
class Account:
    """A user as an admin manages one: the user plus sign-in state (never the hash).

    Attributes
    ----------
    user : User
    failed_attempts : int
        Wrong passwords in a row since the last good one.
    created_utc : str
        When the user was added (ISO 8601 UTC).
    """

    user: User
    failed_attempts: int
    created_utc: str

    def locked_now(self, now: datetime | None = None) -> bool:
        """True when the user cannot sign in: locked by an admin or after wrong passwords."""
        if self.user.disabled:
            return True
        if self.user.locked_until is None:
            return False
        return _parse_time(self.user.locked_until) > (now or _utc_now())


def list_accounts(store: SqliteStore) -> list[Account]:
    """Return every user with sign-in state, by name (for the administration view)."""
    return [
        Account(_user(r), int(r["failed_attempts"]), str(r["created_utc"]))
        for r in repo.list_users(store.reader())
    ]


def list_users(store: SqliteStore) -> list[User]:
    """Return every user, by name."""
    return [_user(r) for r in repo.list_users(store.reader())]


def get_user(store: SqliteStore, name: str) -> User:
    """Return the user called ``name``; raise :class:`AuthError` when there is none."""
    row = repo.user_by_name(store.reader(), name)
    if row is None:
        raise AuthError(f"no user named {name}")
    return _user(row)


def has_users(store: SqliteStore) -> bool:
    """Return True once the bootstrap admin exists."""
    return repo.count_users(store.reader()) > 0


def _parse_time(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


def _fmt_time(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


Clock = Callable[[], datetime]


def _utc_now() -> datetime:
    return datetime.now(UTC)


def authenticate(store: SqliteStore, name: str, password: str, *, clock: Clock = _utc_now) -> User:
    """Check a user's password and return the user.

    Each wrong password counts; the :data:`MAX_FAILED_ATTEMPTS`-th locks the account for
    :data:`LOCKOUT_MINUTES` (the failure count is committed even though sign-in fails).

    Raises
    ------
    AuthError
        Unknown user or wrong password (the same message for both), locked or disabled.
    """
    failed: AuthError | None = None
    with store.transaction() as tx:
        row = repo.user_by_name(tx, name)
        if row is None:
            raise AuthError("unknown user or wrong password")
        user = _user(row)
        now = clock()
        if user.disabled:
            raise AuthError(f"the account {user.name} is locked; ask an admin to unlock it")
        if user.locked_until is not None and _parse_time(user.locked_until) > now:
            until = _parse_time(user.locked_until).strftime("%H:%M UTC")
            raise AuthError(
                f"the account {user.name} is locked after repeated wrong passwords until {until}"
            )
        if _check_hash(password, str(row["password_hash"])):
            if row["failed_attempts"] or row["locked_until"]:
                repo.update_user(tx, user.id, failed_attempts=0, locked_until=None)
            return User(user.id, user.name, user.full_name, user.role)
        attempts = int(row["failed_attempts"]) + 1
        if attempts >= MAX_FAILED_ATTEMPTS:
            until_dt = now + timedelta(minutes=LOCKOUT_MINUTES)
            repo.update_user(tx, user.id, failed_attempts=0, locked_until=_fmt_time(until_dt))
            audit.record(
                tx,
                None,
                "lock",
                "user",
                user.name,
                old={"locked_until": user.locked_until},
                new={"locked_until": _fmt_time(until_dt)},
                reason=f"{MAX_FAILED_ATTEMPTS} wrong passwords in a row",
            )
            failed = AuthError(
                f"wrong password; the account {user.name} is now locked for "
                f"{LOCKOUT_MINUTES} minutes"
            )
        else:
            repo.update_user(tx, user.id, failed_attempts=attempts)
            failed = AuthError("unknown user or wrong password")
    raise failed


def verify_password(store: SqliteStore, user: User, password: str) -> User:
    """Re-ask for a signed-in user's password (before a signature); same rules as sign-in."""
    return authenticate(store, user.name, password)


def change_password(store: SqliteStore, actor: User, name: str, new_password: str) -> None:
    """Set a new password: your own, or anyone's as an admin.

    Raises
    ------
    AuthError, PermissionDenied
    """
    _check_new_password(new_password)
    if actor.name.casefold() != name.casefold():
        require(actor, Permission.MANAGE_USERS)
    password_hash = hash_password(new_password)
    with store.transaction() as tx:
        row = _existing(tx, name)
        repo.update_user(
            tx, int(row["id"]), password_hash=password_hash, failed_attempts=0, locked_until=None
        )
        audit.record(tx, actor, "update", "user", row["name"], new={"password": "changed"})


def set_locked(
    store: SqliteStore, actor: User, name: str, *, locked: bool, reason: str = ""
) -> User:
    """Lock (disable) or unlock a user; unlocking also clears a wrong-password lock.

    Raises
    ------
    AuthError, PermissionDenied
    """
    require(actor, Permission.MANAGE_USERS)
    with store.transaction() as tx:
        row = _existing(tx, name)
        if locked and row["name"].casefold() == actor.name.casefold():
            raise AuthError("you cannot lock your own account")
        old = _public(row)
        if locked:
            repo.update_user(tx, int(row["id"]), disabled=1)
        else:
            repo.update_user(tx, int(row["id"]), disabled=0, failed_attempts=0, locked_until=None)
        new_row = repo.user_by_name(tx, name)
        assert new_row is not None
        audit.record(
            tx,
            actor,
            "lock" if locked else "unlock",
            "user",
            row["name"],
            old=old,
            new=_public(new_row),
            reason=reason,
        )
        return _user(new_row)


def set_role(
    store: SqliteStore, actor: User, name: str, role: str | Role, *, reason: str = ""
) -> User:
    """Give user ``name`` another role, as an admin.

    The last admin who is not locked keeps the role: someone must be able to manage users.

    Raises
    ------
    AuthError, PermissionDenied
        Not an admin; no such user or role; the role is the user's already; the last admin.
    """
    require(actor, Permission.MANAGE_USERS)
    new_role = _parse_role(role)
    with store.transaction() as tx:
        row = _existing(tx, name)
        old_role = Role(row["role"])
        if old_role is new_role:
            raise AuthError(f"{row['name']} is {_article(new_role)} {new_role.value} already")
        if (
            old_role is Role.ADMIN
            and admin_sql.count_active_admins(tx, other_than=int(row["id"])) == 0
        ):
            raise AuthError(
                f"{row['name']} is the last admin who can sign in; make another user an admin first"
            )
        repo.update_user(tx, int(row["id"]), role=new_role.value)
        audit.record(
            tx,
            actor,
            "update",
            "user",
            row["name"],
            old={"role": old_role.value},
            new={"role": new_role.value},
            reason=reason.strip(),
        )
        new_row = repo.user_by_name(tx, name)
        assert new_row is not None  # updated just above, in this transaction
        return _user(new_row)


def _existing(tx: Tx, name: str) -> Row:
    row = repo.user_by_name(tx, name)
    if row is None:
        raise AuthError(f"no user named {name}")
    return row
