"""A shop in the row: a supplier's own page on the marketplace, order requests and the portal's leads and click-outs."""
