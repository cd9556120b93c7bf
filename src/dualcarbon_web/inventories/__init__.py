"""dualcarbon_web.inventories — see docs/ for what this app does."""
