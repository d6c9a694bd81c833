"""Categories, products, offers and click-outs."""
