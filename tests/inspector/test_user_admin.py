"""Administration in the core: roles, the last admin, accounts, the audit trail read by pages."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from inspector import audit, auth
from inspector.auth import AuthError, PermissionDenied, Role, User
from inspector.store import SqliteStore, open_store

from .test_store_fixtures import PASSWORD, add_users


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteStore]:
    with open_store(tmp_path / "x.db") as s:
        yield s


@pytest.fixture
def users(store: SqliteStore) -> dict[str, User]:
    return add_users(store)


def test_admin_changes_a_role_with_an_audit_row(store: SqliteStore, users: dict[str, User]) -> None:
    user = auth.set_role(store, users["admin"], "ins", "engineer", reason="trained on reviews")
    assert user.role is Role.ENGINEER
    assert auth.get_user(store, "ins").role is Role.ENGINEER
    last = audit.history(store, "user", "ins")[-1]
    assert (last.action, last.user_name, last.reason) == ("update", "admin", "trained on reviews")
    assert (last.old_value, last.new_value) == ({"role": "inspector"}, {"role": "engineer"})
    assert audit.verify(store).ok


def test_role_change_is_refused_to_non_admins_and_for_nonsense(
    store: SqliteStore, users: dict[str, User]
) -> None:
    with pytest.raises(PermissionDenied):
        auth.set_role(store, users["engineer"], "ins", "admin")
    with pytest.raises(AuthError, match="not a role"):
        auth.set_role(store, users["admin"], "ins", "boss")
    with pytest.raises(AuthError, match="no user named"):
        auth.set_role(store, users["admin"], "nobody", "engineer")
    with pytest.raises(AuthError, match="inspector already"):
        auth.set_role(store, users["admin"], "ins", "inspector")


def test_the_last_admin_keeps_the_role(store: SqliteStore, users: dict[str, User]) -> None:
    admin = users["admin"]
    with pytest.raises(AuthError, match="last admin"):
        auth.set_role(store, admin, "admin", "manager")
    auth.set_role(store, admin, "man", "admin")
    # A locked admin cannot sign in, so it does not count as the one left.
    auth.set_locked(store, admin, "man", locked=True)
    with pytest.raises(AuthError, match="last admin"):
        auth.set_role(store, admin, "admin", "manager")
    auth.set_locked(store, admin, "man", locked=False)
    assert auth.set_role(store, admin, "admin", "manager").role is Role.MANAGER


def test_accounts_show_sign_in_state(store: SqliteStore, users: dict[str, User]) -> None:
    with pytest.raises(AuthError):
        auth.authenticate(store, "ins", "wrong password")
    accounts = {a.user.name: a for a in auth.list_accounts(store)}
    assert sorted(accounts) == ["admin", "eng", "ins", "man"]
    assert accounts["ins"].failed_attempts == 1
    assert accounts["ins"].created_utc.endswith("Z")
    assert not accounts["ins"].locked_now()
    auth.set_locked(store, users["admin"], "ins", locked=True, reason="left the company")
    assert next(a for a in auth.list_accounts(store) if a.user.name == "ins").locked_now()


def test_reset_password_then_sign_in_with_it(store: SqliteStore, users: dict[str, User]) -> None:
    auth.change_password(store, users["admin"], "eng", "a brand new secret")
    assert auth.authenticate(store, "eng", "a brand new secret").name == "eng"
    with pytest.raises(AuthError):
        auth.authenticate(store, "eng", PASSWORD)
    assert audit.history(store, "user", "eng")[-1].new_value == {"password": "changed"}


def test_audit_pages_newest_first_with_filters(store: SqliteStore, users: dict[str, User]) -> None:
    for i in range(7):
        auth.set_locked(store, users["admin"], "ins", locked=i % 2 == 0, reason=f"step {i}_x")
    total = audit.count_rows(store)
    first = audit.read_page(store, limit=5)
    second = audit.read_page(store, before_id=first[-1].id, limit=5)
    ids = [r.id for r in first + second]
    assert ids == sorted(ids, reverse=True) and ids[0] == total
    assert len(first) == 5 and len(set(ids)) == len(ids)
    locks = audit.AuditFilter(entity="user", actor="ADMIN", text="step 3_")
    [row] = audit.read_page(store, locks)
    assert (row.action, row.reason) == ("unlock", "step 3_x")
    assert audit.count_rows(store, locks) == 1
    # LIKE wildcards in the search box are literal characters.
    assert audit.count_rows(store, audit.AuditFilter(text="%")) == 0
    assert audit.read_page(store, audit.AuditFilter(entity="lot")) == []
    entities, actors = audit.facets(store)
    assert entities == ["user"] and actors == ["admin"]
    assert row.to_dict()["hash"] == row.hash and len(row.hash) == 64


def test_verify_names_a_row_edited_behind_the_app(
    store: SqliteStore, users: dict[str, User], tmp_path: Path
) -> None:
    auth.set_role(store, users["admin"], "ins", "engineer")
    conn = sqlite3.connect(tmp_path / "x.db")
    conn.execute("UPDATE audit SET reason = 'nothing to see' WHERE id = 2")
    conn.commit()
    conn.close()
    report = audit.verify(store)
    assert not report.ok and report.broken_id == 2
