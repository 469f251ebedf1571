"""A small but real records database for the desk views' tests (no tests here).

Three lots of parts that match committed sample images, each ring inspected by the real
engine with the sample's true scale, so the records carry genuine overlays, dimensions and
verdicts. Building takes about a second; :func:`copy_records` gives each test its own copy.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, replace
from pathlib import Path

from inspector.auth import User
from inspector.paths import SAMPLE_IMAGES_DIR
from inspector.recipes import load_recipe
from inspector.records import lots, recording
from inspector.runner import inspect_file
from inspector.store import SqliteStore, open_store
from tests.inspector.test_store_fixtures import PASSWORD, add_users
from tests.ui.conftest import settings_for

#: (lot number, customer, part, sample images). 213: a good ring and one of another size
#: (an AS568-211 mixed into the lot) with bites out of its edges and a stain; 117 and 910:
#: defective.
LOTS: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("L-213", "Fab One", "AS568-213", ("ring_0013.jpg", "ring_0001.png")),
    ("L-117", "Fab One", "AS568-117", ("ring_0002.png", "ring_0009.jpg")),
    ("L-910", "Fab Two", "AS568-910", ("ring_0010.jpg", "ring_0012.jpg")),
)
STATION = "Desk test station"
__all__ = ["LOTS", "PASSWORD", "STATION", "DeskRecords", "build_records", "copy_records"]


@dataclass(frozen=True)
class DeskRecords:
    """Where the database is and who may sign in (every password is :data:`PASSWORD`)."""

    db_path: Path
    users: dict[str, User]

    def open(self) -> SqliteStore:
        """A store on the database (the caller closes it)."""
        return open_store(self.db_path)


def build_records(folder: Path) -> DeskRecords:
    """Create users and the :data:`LOTS`, 100 % inspected, in ``folder/records.db``."""
    folder.mkdir(parents=True, exist_ok=True)
    db_path = folder / "records.db"
    with open_store(db_path) as store:
        users = add_users(store)
        for lot_no, customer, part, images in LOTS:
            spec = lots.LotSpec(
                lot_no=lot_no,
                quantity=len(images),
                customer=customer,
                cure_quarter="4Q26",
                compound="FFKM 75 black",
                hundred_percent=True,
            )
            recipe = load_recipe(part)
            lots.open_lot(store, users["engineer"], spec, recipe=recipe)
            for name in images:
                # As at a station: the lot's recipe, whatever ring was put under the camera.
                settings = replace(settings_for(name), recipe=recipe)
                result = inspect_file(str(SAMPLE_IMAGES_DIR / name), settings)
                recording.record_inspection(
                    store, users["inspector"], lot_no, result, station=STATION
                )
    return DeskRecords(db_path, users)


def copy_records(template: DeskRecords, folder: Path) -> DeskRecords:
    """A private copy of a built database (and its image folder) under ``folder``."""
    shutil.copytree(template.db_path.parent, folder, dirs_exist_ok=True)
    return DeskRecords(folder / template.db_path.name, template.users)
