"""Tests of dualcarbon.inversion (a package, so test module names cannot clash with other domains)."""
