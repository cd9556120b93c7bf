"""Planning reference data: official Chinese intensity statistics and an Our World in Data extract.

The two tables are on different bases and must never be chained together (see the provenance files).
"""
