"""SQL for the lot overview: one row per lot with its counts, final signature and certificates.

Kept apart from :mod:`inspector.store.repo` (the lots' own SQL) because it only reads, and
reads across five tables at once so the desk's lot list needs one query, not one per lot.
"""

from __future__ import annotations

from inspector.store.sqlite import Row, Tx

__all__ = ["LOT_STATUSES", "last_certificate_details", "lot_overview"]

LOT_STATUSES = ("open", "disposed", "signed")

# The per-lot figures are correlated sub-queries rather than joins on grouped tables: the
# outer query walks lots newest first and stops at the limit, so only the lots listed are
# counted (each through its own indexes) however many rings the database holds.
_OVERVIEW = """
SELECT l.lot_no, l.part, coalesce(c.name, '') AS customer, l.po, l.quantity,
       l.hundred_percent, l.level, l.aql, l.severity, l.code_letter, l.sample_size,
       l.accept_no, l.reject_no, l.status, l.disposition, l.created_utc, l.grade,
       r.version AS recipe_version,
       (SELECT count(*) FROM inspections i
         WHERE i.lot_id = l.id AND i.final_verdict != 'error') AS counted,
       (SELECT count(*) FROM inspections i
         WHERE i.lot_id = l.id AND i.final_verdict = 'fail') AS failed,
       (SELECT count(*) FROM inspections i
         WHERE i.lot_id = l.id AND i.final_verdict = 'error') AS errors,
       s.printed_name AS signed_by, s.meaning AS signed_meaning, s.time_utc AS signed_utc,
       (SELECT group_concat(number, ' ') FROM
          (SELECT number FROM certificates k WHERE k.lot_id = l.id ORDER BY k.id)
       ) AS certificates
  FROM lots l
  LEFT JOIN customers c ON c.id = l.customer_id
  JOIN recipes r ON r.id = l.recipe_id
  LEFT JOIN signatures s ON s.id = (
       SELECT max(x.id) FROM signatures x WHERE x.lot_id = l.id AND x.meaning != 'reviewed')
"""


def lot_overview(
    tx: Tx, *, status: str | None = None, text: str | None = None, limit: int = 500
) -> list[Row]:
    """Return lots newest first with their counts, last final signature and certificates.

    Parameters
    ----------
    tx : Tx
    status : str, optional
        Only lots in this status (one of :data:`LOT_STATUSES`).
    text : str, optional
        Only lots whose number, part, customer, purchase order or a certificate number
        contains it (case-insensitive).
    limit : int
        At most this many lots.

    Returns
    -------
    list of Row
        Columns of the lot plus ``customer``, ``recipe_version``, ``counted`` (pass and
        fail rings), ``failed``, ``errors``, ``signed_by``/``signed_meaning``/``signed_utc``
        (the last approving or rejecting signature, NULL when none) and ``certificates``
        (numbers separated by spaces, oldest first, NULL when none).
    """
    where: list[str] = []
    params: list[object] = []
    if status:
        where.append("l.status = ?")
        params.append(status)
    if text and text.strip():
        # LIKE's wildcards in the user's text are taken literally.
        needle = "%" + text.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        needle += "%"
        where.append(
            "(l.lot_no LIKE ? ESCAPE '\\' OR l.part LIKE ? ESCAPE '\\' "
            "OR coalesce(c.name, '') LIKE ? ESCAPE '\\' OR l.po LIKE ? ESCAPE '\\' "
            "OR EXISTS (SELECT 1 FROM certificates k WHERE k.lot_id = l.id "
            "AND k.number LIKE ? ESCAPE '\\'))"
        )
        params += [needle] * 5
    clause = f" WHERE {' AND '.join(where)}" if where else ""
    return tx.all(f"{_OVERVIEW}{clause} ORDER BY l.id DESC LIMIT ?", [*params, limit])


def last_certificate_details(tx: Tx, *, part: str, customer: str) -> tuple[str, bool] | None:
    """Return the inputs JSON of the newest certificate for this customer, or None.

    A certificate of the same part for the same customer is preferred; failing that, the
    newest certificate for the customer at all. The flag says whether the part matched.
    """
    row = tx.one(
        "SELECT k.details_json, l.part = ? AS same_part FROM certificates k "
        "JOIN lots l ON l.id = k.lot_id LEFT JOIN customers c ON c.id = l.customer_id "
        "WHERE coalesce(c.name, '') = ? ORDER BY l.part = ? DESC, k.id DESC LIMIT 1",
        (part, customer, part),
    )
    if row is None:
        return None
    return str(row["details_json"]), bool(row["same_part"])
