"""The ground-floor event log: what visitors did, written by any domain, read by analytics above."""
