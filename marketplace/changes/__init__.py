"""The change outbox (ground floor): what changed, queued for whoever keeps a copy in step."""
