"""The lot records: lots and their plans, recorded rings, reviews, signatures, history.

One module per idea; each service checks the actor's role, changes data in one
transaction, and appends to the audit trail in that same transaction.

- :mod:`~inspector.records.lots`: open a lot, its progress, its disposition;
- :mod:`~inspector.records.recording`: record a judged image (image + rows, all or nothing);
- :mod:`~inspector.records.reviews`: an engineer confirms or overrules a ring or a defect;
- :mod:`~inspector.records.signing`: electronic signatures bound to the lot's records;
- :mod:`~inspector.records.history`: the filtered history of recorded rings.
"""
