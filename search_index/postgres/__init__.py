"""The PostgreSQL engine of ``search_index``: the same interface and meaning as the Whoosh engine.

For deployments past one machine: several app nodes share the index in PostgreSQL, searches
can go to a streaming replica, and the app writes the index in the catalog's own transaction.
"""

from search_index.postgres.index import PostgresSearchIndex

__all__ = ["PostgresSearchIndex"]
