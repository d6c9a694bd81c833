"""Demo data for ``traderow demo``: a few invented suppliers whose catalogs overlap."""
