"""Seal Inspector core: image engine, recipes, records and certificates (no Qt here)."""

__version__ = "0.1.0"
