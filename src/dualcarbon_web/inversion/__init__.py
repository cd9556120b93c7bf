"""dualcarbon_web.inversion — top-down monitoring on the platform (docs/inversion.md, "On the platform")."""
