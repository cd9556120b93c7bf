"""Organisations registry: regions (GB/T 2260), industries (GB/T 4754), organisations, parks, facilities."""
