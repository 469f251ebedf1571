"""The lot overview, the lot page and certificate defaults read from the records."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from inspector.auth import User
from inspector.outcome import Verdict
from inspector.records import lots, recording, signing
from inspector.records.certificates import CertificateRequest, issue_certificate
from inspector.records.lot_summary import (
    certificate_defaults,
    lot_overview,
    lot_page,
    plan_summary,
)
from inspector.records.site import set_site
from inspector.store import RecordsError, SqliteStore, open_store
from tests.inspector.test_store_fixtures import (
    PASSWORD,
    add_users,
    make_image,
    make_result,
    open_lot,
)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteStore]:
    with open_store(tmp_path / "records.db") as s:
        yield s


@pytest.fixture
def users(store: SqliteStore) -> dict[str, User]:
    return add_users(store)


def _record(
    store: SqliteStore, user: User, lot_no: str, folder: Path, verdicts: list[Verdict]
) -> None:
    for i, verdict in enumerate(verdicts):
        path = make_image(folder, i, tag=lot_no)
        result = make_result(path, verdict=verdict, n_defects=2 if verdict is Verdict.FAIL else 1)
        recording.record_inspection(store, user, lot_no, result, station="S1")


def _signed_lot(store: SqliteStore, users: dict[str, User], lot_no: str, folder: Path) -> None:
    open_lot(store, users["engineer"], lot_no, quantity=3, hundred_percent=True, po="PO-7")
    _record(store, users["inspector"], lot_no, folder, [Verdict.PASS, Verdict.FAIL, Verdict.PASS])
    lots.dispose(store, users["engineer"], lot_no, reason="sorted by the station")
    signing.sign_lot(store, users["manager"], lot_no, password=PASSWORD, meaning="approved")


def test_overview_counts_each_lot_with_its_plan_and_status(
    store: SqliteStore, users: dict[str, User], tmp_path: Path
) -> None:
    open_lot(store, users["engineer"], "S-1")  # 1000 rings, level II, AQL 1.0
    _record(store, users["inspector"], "S-1", tmp_path / "s", [Verdict.PASS, Verdict.ERROR])
    _signed_lot(store, users, "H-1", tmp_path / "h")
    rows = {r.lot_no: r for r in lot_overview(store)}
    assert [r.lot_no for r in lot_overview(store)] == ["H-1", "S-1"]  # newest first
    sampled, full = rows["S-1"], rows["H-1"]
    assert (sampled.inspected, sampled.required, sampled.nonconforming) == (1, 80, 0)
    assert sampled.not_judged == 1
    assert sampled.plan == "n 80, Ac 2/Re 3"
    assert "level II" in sampled.plan_detail and "AQL 1" in sampled.plan_detail
    assert (sampled.status, sampled.disposition, sampled.signed_by) == ("open", None, None)
    assert (full.plan, full.inspected, full.required, full.nonconforming) == ("100 %", 3, 3, 1)
    assert (full.status, full.disposition) == ("signed", "sorted")
    assert (full.signed_by, full.signed_meaning) == ("Max Manager", "approved")
    assert full.signed_utc is not None and full.certificates == ()


def test_a_reviewed_signature_is_not_the_approval(
    store: SqliteStore, users: dict[str, User], tmp_path: Path
) -> None:
    open_lot(store, users["engineer"], "R-1", quantity=1, hundred_percent=True)
    _record(store, users["inspector"], "R-1", tmp_path, [Verdict.PASS])
    lots.dispose(store, users["engineer"], "R-1")
    signing.sign_lot(store, users["engineer"], "R-1", password=PASSWORD, meaning="reviewed")
    (row,) = lot_overview(store)
    assert (row.status, row.signed_by) == ("disposed", None)


def test_overview_filters_by_status_and_text(
    store: SqliteStore, users: dict[str, User], tmp_path: Path
) -> None:
    open_lot(store, users["engineer"], "A-1", customer="Fab One")
    open_lot(store, users["engineer"], "B_2", customer="Fab Two")
    _signed_lot(store, users, "C-3", tmp_path)
    assert [r.lot_no for r in lot_overview(store, status="open")] == ["B_2", "A-1"]
    assert [r.lot_no for r in lot_overview(store, status="signed")] == ["C-3"]
    assert [r.lot_no for r in lot_overview(store, text="fab two")] == ["B_2"]
    assert [r.lot_no for r in lot_overview(store, text="po-7")] == ["C-3"]
    # LIKE's wildcards are the user's literal characters: "_" finds only B_2.
    assert [r.lot_no for r in lot_overview(store, text="_")] == ["B_2"]
    assert lot_overview(store, status="disposed") == []
    with pytest.raises(RecordsError, match="status is one of"):
        lot_overview(store, status="closed")


def test_lot_page_reads_rings_history_and_tolerances(
    store: SqliteStore, users: dict[str, User], tmp_path: Path
) -> None:
    _signed_lot(store, users, "P-1", tmp_path)
    page = lot_page(store, "P-1")
    assert page.progress.describe() == "3/3 inspected, 1 nonconforming: sorted"
    assert [r.seq for r in page.rings] == [1, 2, 3]
    assert [r.final_verdict for r in page.rings] == ["pass", "fail", "pass"]
    assert page.rings[1].rejecting and not page.rings[1].other_defects
    assert page.rings[0].other_defects and not page.rings[0].rejecting
    assert page.id_values == (24.99, 24.99, 24.99) and page.cs_values == (3.53,) * 3
    recipe = page.lot.recipe
    assert (page.id_tolerance.nominal, page.id_tolerance.tolerance) == (
        recipe.id_mm,
        recipe.id_tol_mm,
    )
    assert page.cs_tolerance.lsl == pytest.approx(recipe.cs_mm - recipe.cs_tol_mm)
    assert [d.decision for d in page.dispositions] == ["sorted"]
    assert page.dispositions[0].reason == "sorted by the station"
    assert [(s.meaning, s.printed_name) for s in page.signatures] == [("approved", "Max Manager")]
    assert page.plan == plan_summary(page.lot) == "100 % inspection of 3 rings (sorted)"
    with pytest.raises(lots.LotError, match="no lot X"):
        lot_page(store, "X")


def test_an_unjudged_ring_adds_no_dimension(
    store: SqliteStore, users: dict[str, User], tmp_path: Path
) -> None:
    open_lot(store, users["engineer"], "E-1", quantity=2, hundred_percent=True)
    _record(store, users["inspector"], "E-1", tmp_path, [Verdict.PASS, Verdict.ERROR])
    page = lot_page(store, "E-1")
    assert len(page.rings) == 2 and len(page.id_values) == 1
    assert page.rings[1].error == "no ring found"


def test_certificate_defaults_follow_the_last_certificate_of_the_customer(
    store: SqliteStore, users: dict[str, User], tmp_path: Path
) -> None:
    _signed_lot(store, users, "D-1", tmp_path / "d1")
    first = certificate_defaults(store, "D-1")
    assert first.quantity_shipped == 2  # 3 rings less the nonconforming one
    assert first.request.customer_part == "" and "no earlier certificate" in first.source
    set_site(store, users["manager"], supplier_name="Kestrel", cleaning_packaging="Bagged.")
    request = CertificateRequest(
        customer_part="CP-9",
        drawing="D-77",
        revision="C",
        compound_colour="white",
        compound_hardness="80 Shore A",
        customer_address=("Fab Street 1", "Dresden"),
    )
    issue_certificate(store, users["manager"], "D-1", request, out=tmp_path / "d1.pdf")
    _signed_lot(store, users, "D-2", tmp_path / "d2")
    again = certificate_defaults(store, "D-2")
    assert again.request.customer_part == "CP-9" and again.request.revision == "C"
    assert again.request.customer_address == ("Fab Street 1", "Dresden")
    assert again.site.supplier_name == "Kestrel" and "last certificate" in again.source
    assert lot_overview(store, text="COC-")[0].lot_no == "D-1"
    assert lot_overview(store)[1].certificates[0].startswith("COC-")


def test_compound_words_prefill_colour_and_hardness(
    store: SqliteStore, users: dict[str, User]
) -> None:
    open_lot(store, users["engineer"], "K-1", compound="FFKM 75 black")
    defaults = certificate_defaults(store, "K-1")
    assert defaults.request.compound_colour == "black"
    assert defaults.request.compound_hardness == "75 Shore A"
    assert "read from 'FFKM 75 black'" in defaults.source
