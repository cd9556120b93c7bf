"""dualcarbon_web.ledger — see docs/ for what this app does."""
