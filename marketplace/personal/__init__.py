"""Personal service for a known visitor: what they recently viewed, and the home page that picks up from it."""
