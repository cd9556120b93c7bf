"""dualcarbon_web.inversion — see docs/ for what this app does."""
