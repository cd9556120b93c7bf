"""Emission-factor reference database in the platform: browse, search, provenance, append-only versions."""
