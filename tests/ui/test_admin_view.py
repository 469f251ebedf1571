"""The administration view: user changes through the core, each audited; the audit browser."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

import pytest

from inspector import audit, auth
from inspector.auth import Role
from tests.ui.desk_records import PASSWORD, DeskRecords
from ui.desk import admin_view
from ui.desk.admin_view import (
    AddUserDialog,
    AdminView,
    AuditModel,
    NewUser,
    PasswordDialog,
    ReasonDialog,
    RoleDialog,
    change_summary,
)
from ui.desk.database import DeskDatabase

pytestmark = pytest.mark.gui


@pytest.fixture
def db(desk_records: DeskRecords) -> Iterator[DeskDatabase]:
    database = DeskDatabase(desk_records.db_path)
    yield database
    database.shutdown()


def _view(qtbot, db: DeskDatabase, user) -> AdminView:
    view = AdminView(db)
    qtbot.addWidget(view)
    view.set_user(user)
    qtbot.waitUntil(lambda: view.users_model.rowCount() > 0 and view.audit_model.rowCount() > 0)
    qtbot.waitUntil(lambda: not db.busy)
    return view


def _select(view: AdminView, name: str) -> None:
    row = view.users_model.row_of(name)
    assert row >= 0
    view.users_table.setCurrentIndex(view.users_model.index(row, 0))


def _last_audit(desk_records: DeskRecords) -> audit.AuditRow:
    with desk_records.open() as store:
        return audit.read_page(store, limit=1)[0]


def _done(qtbot, view: AdminView, db: DeskDatabase) -> None:
    qtbot.waitUntil(lambda: view.messages.text() != "")
    qtbot.waitUntil(lambda: not db.busy)


def test_users_list_shows_every_account(qtbot, db, desk_records) -> None:
    view = _view(qtbot, db, desk_records.users["admin"])
    m = view.users_model
    assert [m.index(r, 0).data() for r in range(m.rowCount())] == ["admin", "eng", "ins", "man"]
    row = m.row_of("eng")
    assert [m.index(row, c).data() for c in range(5)] == [
        "eng",
        "Eva Engineer",
        "engineer",
        "active",
        "0",
    ]
    assert m.index(row, 5).data().startswith("20")


def test_add_user_is_audited(qtbot, db, desk_records, monkeypatch) -> None:
    view = _view(qtbot, db, desk_records.users["admin"])
    new = NewUser("kim", "Kim Quality", "engineer", "kim password")
    monkeypatch.setattr(AddUserDialog, "ask", classmethod(lambda cls, parent: new))
    with qtbot.waitSignal(view.usersChanged):
        view.add_user()
    _done(qtbot, view, db)
    assert view.messages.text() == "User kim (engineer) added."
    qtbot.waitUntil(lambda: view.users_model.row_of("kim") >= 0)
    row = _last_audit(desk_records)
    assert (row.action, row.entity, row.entity_id, row.user_name) == (
        "create",
        "user",
        "kim",
        "admin",
    )
    with desk_records.open() as store:
        assert auth.authenticate(store, "kim", "kim password").role is Role.ENGINEER


def test_change_role_and_the_last_admin_is_refused(qtbot, db, desk_records, monkeypatch) -> None:
    view = _view(qtbot, db, desk_records.users["admin"])
    monkeypatch.setattr(
        RoleDialog, "ask", classmethod(lambda cls, parent, name, current: ("engineer", "trained"))
    )
    _select(view, "ins")
    view.change_role()
    _done(qtbot, view, db)
    assert view.messages.text() == "ins is now engineer."
    qtbot.waitUntil(
        lambda: view.users_model.index(view.users_model.row_of("ins"), 2).data() == "engineer"
    )
    row = _last_audit(desk_records)
    assert (row.entity_id, row.old_value, row.new_value, row.reason) == (
        "ins",
        {"role": "inspector"},
        {"role": "engineer"},
        "trained",
    )
    before = row.id
    monkeypatch.setattr(
        RoleDialog, "ask", classmethod(lambda cls, parent, name, current: ("manager", ""))
    )
    view.messages.dismiss()
    _select(view, "admin")
    view.change_role()
    _done(qtbot, view, db)
    assert "last admin" in view.messages.text()
    assert _last_audit(desk_records).id == before
    with desk_records.open() as store:
        assert auth.get_user(store, "admin").role is Role.ADMIN


def test_reset_password_then_sign_in_with_it(qtbot, db, desk_records, monkeypatch) -> None:
    view = _view(qtbot, db, desk_records.users["admin"])
    monkeypatch.setattr(PasswordDialog, "ask", classmethod(lambda cls, parent, name: "fresh start"))
    _select(view, "man")
    view.reset_password()
    _done(qtbot, view, db)
    assert "Password of man reset" in view.messages.text()
    with desk_records.open() as store:
        assert auth.authenticate(store, "man", "fresh start").name == "man"
        with pytest.raises(auth.AuthError):
            auth.authenticate(store, "man", PASSWORD)
    row = _last_audit(desk_records)
    assert (row.entity_id, row.new_value) == ("man", {"password": "changed"})


def test_lock_then_unlock_each_audited(qtbot, db, desk_records, monkeypatch) -> None:
    view = _view(qtbot, db, desk_records.users["admin"])
    monkeypatch.setattr(
        ReasonDialog, "ask", classmethod(lambda cls, parent, title, question, ok: "on leave")
    )
    _select(view, "eng")
    assert view.lock_button.text() == "Lock"
    view.toggle_lock()
    _done(qtbot, view, db)
    assert view.messages.text() == "eng locked."
    qtbot.waitUntil(lambda: view.lock_button.text() == "Unlock")
    row = view.users_model.row_of("eng")
    assert view.users_model.index(row, 3).data() == "locked by an admin"
    assert (_last_audit(desk_records).action, _last_audit(desk_records).reason) == (
        "lock",
        "on leave",
    )
    with desk_records.open() as store, pytest.raises(auth.AuthError, match="locked"):
        auth.authenticate(store, "eng", PASSWORD)
    view.messages.dismiss()
    view.toggle_lock()
    _done(qtbot, view, db)
    assert view.messages.text() == "eng unlocked."
    assert _last_audit(desk_records).action == "unlock"
    with desk_records.open() as store:
        assert auth.authenticate(store, "eng", PASSWORD).name == "eng"


def test_non_admins_see_no_user_actions_and_the_core_refuses(qtbot, db, desk_records) -> None:
    for role in ("inspector", "engineer", "manager"):
        view = _view(qtbot, db, desk_records.users[role])
        assert all(b.isHidden() for b in view._actions)
    view = _view(qtbot, db, desk_records.users["admin"])
    assert not any(b.isHidden() for b in view._actions)
    # Even if a non-admin's call got through, the core refuses it and the view says so.
    work = admin_view.functools.partial(
        admin_view._set_role,
        actor=desk_records.users["engineer"],
        name="ins",
        role="admin",
        reason="",
    )
    view._change(work)
    _done(qtbot, view, db)
    assert "may not manage users" in view.messages.text()


def test_audit_browser_filters_and_shows_the_full_row(qtbot, db, desk_records) -> None:
    view = _view(qtbot, db, desk_records.users["admin"])
    model = view.audit_model
    ids = [int(model.index(r, 0).data()) for r in range(model.rowCount())]
    assert ids == sorted(ids, reverse=True) and ids[0] == _last_audit(desk_records).id
    assert view.audit_count.text() == f"{len(ids)} rows"
    view.entity.setCurrentIndex(view.entity.findData("lot"))
    view.reload_audit()
    qtbot.waitUntil(lambda: model.rowCount() == 3)
    assert {model.index(r, 5).data() for r in range(3)} == {"L-213", "L-117", "L-910"}
    view.entity.setCurrentIndex(0)
    view.actor.setCurrentIndex(view.actor.findData("admin"))
    view.text.setText("bootstrap")
    view.reload_audit()
    qtbot.waitUntil(lambda: model.rowCount() == 1)
    assert model.index(0, 6).data() == "bootstrap admin"
    view.audit_table.setCurrentIndex(model.index(0, 0))
    assert '"reason": "bootstrap admin"' in view.detail.toPlainText()
    assert '"hash"' in view.detail.toPlainText()


def test_audit_pages_are_fetched_lazily(qtbot, db, desk_records, monkeypatch) -> None:
    with desk_records.open() as store:
        for i in range(40):
            auth.set_locked(store, desk_records.users["admin"], "ins", locked=i % 2 == 0)
        total = audit.count_rows(store)
    monkeypatch.setattr(admin_view, "PAGE_SIZE", 5)
    view = _view(qtbot, db, desk_records.users["admin"])
    model = view.audit_model
    # Whole pages only, and not all of them: the table asks for more only as it needs rows.
    assert model.rowCount() % 5 == 0 and model.rowCount() < total and model.canFetchMore()
    while model.canFetchMore():
        model.fetchMore()
        qtbot.waitUntil(lambda: not db.busy)
    assert model.rowCount() == total
    ids = [int(model.index(r, 0).data()) for r in range(total)]
    assert ids == list(range(total, 0, -1))


def test_verify_ok_then_names_a_tampered_row(qtbot, db, desk_records) -> None:
    view = _view(qtbot, db, desk_records.users["admin"])
    with qtbot.waitSignal(view.verified) as result:
        view.verify()
    ok, text = result.args
    assert ok and text.startswith("✔ Audit trail intact:")
    conn = sqlite3.connect(desk_records.db_path)
    conn.execute("UPDATE audit SET reason = 'nothing happened' WHERE id = 3")
    conn.commit()
    conn.close()
    view.refresh()
    with qtbot.waitSignal(view.verified) as result:
        view.verify()
    ok, text = result.args
    assert not ok
    assert "Audit row 3" in text and "changed outside the application" in text
    assert view.verify_result.text() == text
    row = view.audit_model.row_of_id(3)
    assert view.audit_model.index(row, 0).data(admin_view.Qt.ItemDataRole.ForegroundRole) == (
        admin_view._RED
    )


def test_change_summary_says_what_changed() -> None:
    assert change_summary({"role": "inspector"}, {"role": "engineer"}) == (
        "role: inspector → engineer"
    )
    assert change_summary(None, {"name": "kim", "disabled": False, "sha256": "ab"}) == "name=kim"
    assert change_summary(None, None) == ""


def test_models_pass_the_model_tester(qtbot, qtmodeltester, db, desk_records) -> None:
    view = _view(qtbot, db, desk_records.users["admin"])
    qtmodeltester.check(view.users_model)
    qtmodeltester.check(view.audit_model)
    qtmodeltester.check(AuditModel())


def test_dialogs_check_the_two_typings(qtbot) -> None:
    dialog = AddUserDialog(None)
    qtbot.addWidget(dialog)
    dialog.name.setText("kim")
    dialog.full_name.setText("Kim Quality")
    dialog.role.setCurrentIndex(dialog.role.findData("manager"))
    dialog.password.setText("one password")
    dialog.repeat.setText("another one")
    dialog._check()
    assert dialog.problem.text() == "The two passwords differ." and dialog.result() == 0
    dialog.repeat.setText("one password")
    dialog._check()
    assert dialog.result() == 1
    assert dialog.value() == NewUser("kim", "Kim Quality", "manager", "one password")
    role = RoleDialog(None, "ins", "inspector")
    qtbot.addWidget(role)
    role._check()
    assert "other than the present" in role.problem.text() and role.result() == 0
