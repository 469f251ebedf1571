"""Certificate numbers: ``COC-<year>-<sequence>``, sequential per year (``COC-2026-00042``).

Pure functions: the records layer stores the numbers it has issued and passes them in.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["format_certificate_number", "next_certificate_number", "parse_certificate_number"]

_NUMBER = re.compile(r"COC-(\d{4})-(\d{5,})")


def format_certificate_number(year: int, sequence: int) -> str:
    """``COC-2026-00042`` for (2026, 42); the sequence widens past 99999 rather than wrap."""
    if not 1000 <= year <= 9999:
        raise ValueError(f"year {year} is not a four-digit year")
    if sequence < 1:
        raise ValueError(f"sequence must start at 1, got {sequence}")
    return f"COC-{year:04d}-{sequence:05d}"


def parse_certificate_number(number: str) -> tuple[int, int]:
    """(year, sequence) of a certificate number; ValueError when it is not one."""
    match = _NUMBER.fullmatch(number)
    if match is None:
        raise ValueError(f"{number!r} is not a certificate number like COC-2026-00042")
    return int(match.group(1)), int(match.group(2))


def next_certificate_number(year: int, existing_numbers: Iterable[str]) -> str:
    """The next number of ``year``: one past the highest issued that year, else 00001.

    Numbers of other years are ignored; a string that is not a certificate number raises
    ValueError (it points at damaged records, which should not be numbered around).
    """
    highest = 0
    for number in existing_numbers:
        number_year, sequence = parse_certificate_number(number)
        if number_year == year:
            highest = max(highest, sequence)
    return format_certificate_number(year, highest + 1)
