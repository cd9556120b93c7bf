"""dualcarbon web platform."""
