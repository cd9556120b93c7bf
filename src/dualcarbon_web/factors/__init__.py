"""dualcarbon_web.factors — see docs/ for what this app does."""
