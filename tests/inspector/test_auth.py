"""Users, roles, passwords, lockout."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from inspector import audit, auth
from inspector.auth import AuthError, Permission, PermissionDenied, Role
from inspector.store import SqliteStore, open_store

PW = "correct horse"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteStore]:
    with open_store(tmp_path / "x.db") as s:
        yield s


def test_bootstrap_admin_then_only_admins_add_users(store: SqliteStore) -> None:
    with pytest.raises(AuthError, match="first user must be an admin"):
        auth.add_user(store, None, name="ann", full_name="Ann A", role="inspector", password=PW)
    admin = auth.add_user(store, None, name="root", full_name="Ro Ot", role="admin", password=PW)
    with pytest.raises(PermissionDenied, match="sign in"):
        auth.add_user(store, None, name="bob", full_name="Bob B", role="admin", password=PW)
    ann = auth.add_user(store, admin, name="ann", full_name="Ann A", role="inspector", password=PW)
    with pytest.raises(PermissionDenied, match="ann is an inspector"):
        auth.add_user(store, ann, name="eve", full_name="Eve E", role="admin", password=PW)
    assert [u.name for u in auth.list_users(store)] == ["ann", "root"]
    assert audit.verify(store).ok


def test_bad_user_input_is_refused(store: SqliteStore) -> None:
    admin = auth.add_user(store, None, name="root", full_name="Ro Ot", role="admin", password=PW)
    with pytest.raises(AuthError, match="not a role"):
        auth.add_user(store, admin, name="x", full_name="X", role="boss", password=PW)
    with pytest.raises(AuthError, match="at least"):
        auth.add_user(store, admin, name="x", full_name="X", role="engineer", password="short")
    with pytest.raises(AuthError, match="already exists"):
        auth.add_user(store, admin, name="ROOT", full_name="X", role="engineer", password=PW)


def test_passwords_are_salted_scrypt_hashes(store: SqliteStore) -> None:
    auth.add_user(store, None, name="root", full_name="Ro Ot", role="admin", password=PW)
    stored = store.reader().scalar("SELECT password_hash FROM users")
    assert stored.startswith("scrypt$") and PW not in stored
    assert auth.hash_password(PW) != auth.hash_password(PW)


def test_authenticate_and_lockout(store: SqliteStore) -> None:
    auth.add_user(store, None, name="root", full_name="Ro Ot", role="admin", password=PW)
    assert auth.authenticate(store, "root", PW).role is Role.ADMIN
    with pytest.raises(AuthError, match="unknown user or wrong password"):
        auth.authenticate(store, "nobody", PW)
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    for _ in range(auth.MAX_FAILED_ATTEMPTS - 1):
        with pytest.raises(AuthError, match="wrong password"):
            auth.authenticate(store, "root", "nope", clock=lambda: t0)
    with pytest.raises(AuthError, match="now locked"):
        auth.authenticate(store, "root", "nope", clock=lambda: t0)
    with pytest.raises(AuthError, match="locked"):
        auth.authenticate(store, "root", PW, clock=lambda: t0 + timedelta(minutes=1))
    later = t0 + timedelta(minutes=auth.LOCKOUT_MINUTES + 1)
    assert auth.authenticate(store, "root", PW, clock=lambda: later).name == "root"


def test_admin_locks_and_unlocks_and_resets(store: SqliteStore) -> None:
    admin = auth.add_user(store, None, name="root", full_name="Ro Ot", role="admin", password=PW)
    auth.add_user(store, admin, name="ann", full_name="Ann A", role="engineer", password=PW)
    auth.set_locked(store, admin, "ann", locked=True, reason="left")
    with pytest.raises(AuthError, match="ask an admin"):
        auth.authenticate(store, "ann", PW)
    auth.set_locked(store, admin, "ann", locked=False)
    ann = auth.authenticate(store, "ann", PW)
    auth.change_password(store, ann, "ann", "another password")
    assert auth.authenticate(store, "ann", "another password").name == "ann"
    with pytest.raises(PermissionDenied):
        auth.change_password(store, ann, "root", "another password")
    with pytest.raises(AuthError, match="own account"):
        auth.set_locked(store, admin, "root", locked=True)
    actions = [r.action for r in audit.history(store, "user", "ann")]
    assert actions == ["create", "lock", "unlock", "update"]


def test_roles_grant_permissions() -> None:
    insp = auth.User(1, "i", "I", Role.INSPECTOR)
    mgr = auth.User(2, "m", "M", Role.MANAGER)
    assert auth.require(insp, Permission.INSPECT) is insp
    with pytest.raises(PermissionDenied, match="needs an engineer"):
        auth.require(insp, Permission.DISPOSE)
    assert auth.require(mgr, Permission.SIGN) is mgr
