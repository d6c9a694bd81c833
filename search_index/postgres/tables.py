"""The tables of the PostgreSQL engine, their indexes, and the version that says when to rebuild.

One schema per index (``search`` by default) holds three tables:

``offers``
    One row per offer: what a hit shows, what filters and facets read, and ``doc``, a
    weighted ``tsvector`` of the lexemes our own analyzer produces (``search_index.analysis``),
    so both engines stem alike in en/uk/ru. A GIN index on ``doc`` finds the words; btree and
    GIN indexes back every filter; facets are GROUP BYs over the filtered rows.
``terms``
    The unstemmed words of titles, brands and category names: did-you-mean and autocomplete
    look them up by trigram and by prefix. Written with INSERT .. ON CONFLICT DO NOTHING and
    never counted: a word's document frequency is counted on demand through ``doc``'s GIN
    index, so concurrent imports never wait on a counter row.
``meta``
    ``schema_version``: the code's :data:`SCHEMA_VERSION` when the tables were last built;
    ``data_version`` (:data:`DATA_VERSION`): a new random value with every write of the rows,
    in the write's transaction, so two snapshots that read the same value see the same rows.
"""

from __future__ import annotations

import re

from search_index.analysis import ANALYSIS_VERSION, CODES_VERSION

__all__ = ["DATA_VERSION", "OFFER_COLUMNS", "SCHEMA_VERSION", "create_statements", "offers_indexes", "quoted_schema"]

#: Bumped when the tables or what goes into a row change; with the analyzer's and the codes'
#: versions it makes :data:`SCHEMA_VERSION`, compared by ``is_outdated()``.
TABLE_VERSION = 1
SCHEMA_VERSION = f"{TABLE_VERSION}.{ANALYSIS_VERSION}.{CODES_VERSION}"

#: The ``meta`` entry every write of the index's rows changes (``writing.bump_data_version``).
DATA_VERSION = "data_version"

_SCHEMA_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")

#: The columns of ``offers`` (and of the table a rebuild fills, which gets its key once full), in their order.
OFFER_COLUMNS = """
    offer_id bigint NOT NULL,
    product_id bigint NOT NULL,
    supplier text NOT NULL,
    -- The title shown (the main language's); the alternative title is only in doc.
    title text NOT NULL,
    -- The start of the description, for a highlighted snippet.
    snippet text NOT NULL,
    -- Lower-cased for the brand filter and facet; brand_name keeps the feed's spelling.
    brand_key text NOT NULL,
    brand_name text NOT NULL,
    condition text NOT NULL,
    price_minor bigint NOT NULL,
    -- Index into PRICE_EDGES_MINOR, so the price facet is a GROUP BY on a small number.
    price_bucket smallint NOT NULL,
    in_stock boolean NOT NULL,
    created_at bigint NOT NULL,
    updated_at bigint NOT NULL,
    -- Words in the title: among equally relevant offers the shorter title ranks first.
    title_words integer NOT NULL,
    -- The category path, root first: a filter on any ancestor, a facet at any level.
    category_ids bigint[] NOT NULL,
    -- Normalised params as 'key<US>value' (search_index.params), for the param filters.
    param_values text[] NOT NULL,
    -- Numeric params in their canonical unit, key -> number, for the param range filters.
    param_numbers jsonb NOT NULL,
    -- The params as the Whoosh column stores them, read back by search_index.param_facets.
    param_facets text NOT NULL,
    -- Weighted lexemes: A title (and model codes, as '#code'), B brand, C category paths,
    -- D model, MPN, params, supplier, description.
    doc tsvector NOT NULL
"""


def quoted_schema(schema: str) -> str:
    """Return ``schema`` checked and quoted for SQL; only plain lower-case names are accepted."""
    if not _SCHEMA_NAME.match(schema):
        raise ValueError(f"not a plain schema name: {schema!r}")
    return f'"{schema}"'


def offers_indexes(schema: str, table: str, prefix: str) -> list[str]:
    """Return the CREATE INDEX statements of an offers table, each index named ``prefix_*``."""
    s = quoted_schema(schema)
    return [
        f"CREATE INDEX IF NOT EXISTS {prefix}_doc ON {s}.{table} USING gin (doc)",
        f"CREATE INDEX IF NOT EXISTS {prefix}_category ON {s}.{table} USING gin (category_ids)",
        f"CREATE INDEX IF NOT EXISTS {prefix}_params ON {s}.{table} USING gin (param_values)",
        f"CREATE INDEX IF NOT EXISTS {prefix}_product ON {s}.{table} (product_id)",
        f"CREATE INDEX IF NOT EXISTS {prefix}_price ON {s}.{table} (price_minor, offer_id)",
        f"CREATE INDEX IF NOT EXISTS {prefix}_newest ON {s}.{table} (created_at DESC, offer_id DESC)",
        f"CREATE INDEX IF NOT EXISTS {prefix}_supplier ON {s}.{table} (supplier)",
        f"CREATE INDEX IF NOT EXISTS {prefix}_brand ON {s}.{table} (brand_key text_pattern_ops)",
    ]


def create_statements(schema: str) -> list[str]:
    """Return the statements that create the schema, its tables and indexes where missing."""
    s = quoted_schema(schema)
    return [
        "CREATE EXTENSION IF NOT EXISTS pg_trgm",
        f"CREATE SCHEMA IF NOT EXISTS {s}",
        f"CREATE TABLE IF NOT EXISTS {s}.meta (name text PRIMARY KEY, value text NOT NULL)",
        f"CREATE TABLE IF NOT EXISTS {s}.offers ({OFFER_COLUMNS}, PRIMARY KEY (offer_id))",
        *offers_indexes(schema, "offers", "offers"),
        f"CREATE TABLE IF NOT EXISTS {s}.terms (term text PRIMARY KEY)",
        f"CREATE INDEX IF NOT EXISTS terms_trgm ON {s}.terms USING gin (term gin_trgm_ops)",
        f"CREATE INDEX IF NOT EXISTS terms_prefix ON {s}.terms (term text_pattern_ops)",
        f"INSERT INTO {s}.meta (name, value) VALUES ('schema_version', '{SCHEMA_VERSION}') ON CONFLICT DO NOTHING",
        f"INSERT INTO {s}.meta (name, value) VALUES ('{DATA_VERSION}', gen_random_uuid()::text) ON CONFLICT DO NOTHING",
    ]
