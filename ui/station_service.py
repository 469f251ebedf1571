"""What the station view needs from the lot records, as a small protocol.

:class:`ui.records_service.RecordsStationService` implements :class:`StationService` over
the real records (SQLite store, users, lots with sampling plans);
:class:`InMemoryStationService` keeps a session's results in memory, for demos and tests
of the views alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from inspector.outcome import InspectionResult, Verdict


@dataclass(frozen=True)
class LotHeader:
    """The lot being inspected, as the header bar shows it.

    Attributes
    ----------
    lot : str
        The lot number.
    part : str
        The part (recipe) name, e.g. ``"AS568-214"``.
    operator : str
        Who is signed in.
    sample_size : int or None
        Rings to inspect in this lot under its sampling plan (None: not planned).
    inspected, rejected : int
        Rings recorded so far, and how many of them failed (nonconforming).
    customer : str
        The lot's customer ("" when none or not known).
    plan : str
        The plan as a person reads it: ``"100 %"`` or ``"n 80 · Ac 2 · Re 3"`` ("" : none).
    accept, reject : int or None
        Ac and Re of a sampling plan (None for 100 % or no plan).
    pending : int
        Rings judged but not yet in the database.
    """

    lot: str
    part: str
    operator: str
    sample_size: int | None
    inspected: int
    rejected: int
    customer: str = ""
    plan: str = ""
    accept: int | None = None
    reject: int | None = None
    pending: int = 0


class StationService(Protocol):
    """The records behind one station.

    ``record`` is called on the GUI thread once per judged ring and must return at once;
    ``image_bytes`` None means the service reads ``result.image`` itself (off the GUI
    thread). It raises an ``OSError`` or ``RuntimeError`` subclass with a message for the
    inspector when the result cannot be kept (the view shows it and does not count the ring).
    """

    def record(self, result: InspectionResult, image_bytes: bytes | None) -> None: ...

    def current_lot_header(self) -> LotHeader | None: ...


@dataclass
class InMemoryStationService:
    """Keeps the session's results in memory: for demos and tests of the views alone.

    Parameters
    ----------
    lot, part, operator : str
        What the header shows; an empty ``lot`` means no lot is open (header None).
    sample_size : int or None
    """

    lot: str = ""
    part: str = ""
    operator: str = ""
    sample_size: int | None = None
    results: list[InspectionResult] = field(default_factory=list)
    image_bytes: list[int] = field(default_factory=list)

    def record(self, result: InspectionResult, image_bytes: bytes | None) -> None:
        """Keep the result (the image only by size: memory is not a store)."""
        self.results.append(result)
        self.image_bytes.append(len(image_bytes) if image_bytes is not None else 0)

    def current_lot_header(self) -> LotHeader | None:
        """The header of the open lot, or None when no lot is open."""
        if not self.lot:
            return None
        rejected = sum(1 for r in self.results if r.verdict is not Verdict.PASS)
        return LotHeader(
            lot=self.lot,
            part=self.part,
            operator=self.operator,
            sample_size=self.sample_size,
            inspected=len(self.results),
            rejected=rejected,
        )
