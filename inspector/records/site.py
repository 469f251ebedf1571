"""The site's own details printed on every Certificate of Conformance.

Kept in the records (table ``site_settings``), not in ``models/``: they are facts about
this site that a manager sets and the audit trail records, not shipped inspection data.

=======================  ====================================================
``supplier_name``        the supplier's company name, e.g. "Kestrel Elastomer Works GmbH"
``supplier_address``     its address, one line per entry
``cleaning_packaging``   the default cleaning & packaging statement
``conformance``          the conformance statement (a sensible default is built in)
=======================  ====================================================
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from inspector import audit
from inspector.auth import Permission, User, require
from inspector.store import repo
from inspector.store.errors import RecordsError
from inspector.store.sqlite import SqliteStore, Tx

__all__ = [
    "DEFAULT_CONFORMANCE",
    "SiteError",
    "SiteSettings",
    "set_site",
    "site_in",
    "site_settings",
]

DEFAULT_CONFORMANCE = (
    "We certify that the seal rings of this lot were manufactured, inspected and packaged "
    "in accordance with the purchase order, the drawing and the standards stated above, "
    "and that they conform to these requirements."
)


class SiteError(RecordsError):
    """A site setting is missing or cannot be set as asked."""


@dataclass(frozen=True)
class SiteSettings:
    """The site's details; empty text means not set."""

    supplier_name: str = ""
    supplier_address: tuple[str, ...] = ()
    cleaning_packaging: str = ""
    conformance: str = DEFAULT_CONFORMANCE

    def to_dict(self) -> dict[str, object]:
        """Return the settings as JSON-ready values."""
        return {
            "supplier_name": self.supplier_name,
            "supplier_address": list(self.supplier_address),
            "cleaning_packaging": self.cleaning_packaging,
            "conformance": self.conformance,
        }


def site_in(tx: Tx) -> SiteSettings:
    """Return the site settings read inside ``tx``."""
    raw = repo.site_settings(tx)
    address = json.loads(raw["supplier_address"]) if "supplier_address" in raw else []
    return SiteSettings(
        supplier_name=raw.get("supplier_name", ""),
        supplier_address=tuple(str(line) for line in address),
        cleaning_packaging=raw.get("cleaning_packaging", ""),
        conformance=raw.get("conformance") or DEFAULT_CONFORMANCE,
    )


def site_settings(store: SqliteStore) -> SiteSettings:
    """Return the site settings."""
    return site_in(store.reader())


def set_site(
    store: SqliteStore,
    actor: User,
    *,
    supplier_name: str | None = None,
    supplier_address: tuple[str, ...] | None = None,
    cleaning_packaging: str | None = None,
    conformance: str | None = None,
) -> SiteSettings:
    """Change the settings given (None leaves one as it is); audited.

    Raises
    ------
    PermissionDenied, SiteError
        Not a manager (who answers for the certificates); nothing to change; an empty name.
    """
    require(actor, Permission.ISSUE_CERTIFICATE)
    changes: dict[str, str] = {}
    if supplier_name is not None:
        if not supplier_name.strip():
            raise SiteError("the supplier name cannot be empty")
        changes["supplier_name"] = supplier_name.strip()
    if supplier_address is not None:
        lines = [line.strip() for line in supplier_address if line.strip()]
        changes["supplier_address"] = json.dumps(lines, ensure_ascii=False)
    if cleaning_packaging is not None:
        changes["cleaning_packaging"] = cleaning_packaging.strip()
    if conformance is not None:
        changes["conformance"] = conformance.strip()
    if not changes:
        raise SiteError("nothing to change: give at least one setting")
    with store.transaction() as tx:
        old = site_in(tx)
        now = audit.now_utc()
        for key, value in changes.items():
            repo.set_site_setting(tx, key, value, now, actor.id)
        new = site_in(tx)
        audit.record(
            tx,
            actor,
            "update",
            "site",
            "settings",
            old=old.to_dict(),
            new=new.to_dict(),
            time_utc=now,
        )
    return new
