"""Analytics: capture page views, classify channels, roll events up by hour and day, and report."""
