"""Recommendations on the product page: similar products, "also viewed" and accessories, precomputed by the worker."""
