"""Background jobs: the database is the queue by default, RQ when ``TRADEROW_REDIS_URL`` is set."""
