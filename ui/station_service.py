"""What the station view needs from the lot records, as a small protocol.

The records (SQLite store, users, lots with sampling plans) are wired in later by
implementing :class:`StationService` over them; until then :class:`InMemoryStationService`
keeps the session's results in memory, so the station runs a demo shift without a database.
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
        Rings recorded so far, and how many of them failed.
    """

    lot: str
    part: str
    operator: str
    sample_size: int | None
    inspected: int
    rejected: int


class StationService(Protocol):
    """The records behind one station.

    ``record`` is called on the GUI thread once per judged ring; it raises an ``OSError``
    or ``RuntimeError`` subclass with a message for the inspector when the result cannot
    be kept (the view shows it and does not count the ring).
    """

    def record(self, result: InspectionResult, image_bytes: bytes) -> None: ...

    def current_lot_header(self) -> LotHeader | None: ...


@dataclass
class InMemoryStationService:
    """Keeps the session's results in memory: for demos and tests, until the records land.

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

    def record(self, result: InspectionResult, image_bytes: bytes) -> None:
        """Keep the result (the image only by size: memory is not a store)."""
        self.results.append(result)
        self.image_bytes.append(len(image_bytes))

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
