"""Row digests as a caller stores them, and the rows it holds, for ``parse_feed(known=...)``.

A parser's ``FeedOffer.digest`` says how the file wrote a row. What else shaped the offer
(the caller's exchange rates, category mapping and so on) the caller folds in with a key
of its own, and stores the result as a signed 64-bit integer (a database column).
"""

from __future__ import annotations

import hashlib
from collections.abc import Set

__all__ = ["HeldRows", "stored_digest"]


def stored_digest(digest: bytes, key: bytes) -> int:
    """Return the 64-bit form of a row's ``digest`` under the caller's ``key``."""
    keyed = hashlib.blake2b(digest, key=key, digest_size=8).digest()
    return int.from_bytes(keyed, "big", signed=True)


class HeldRows:
    """The stored digests of the rows a caller holds; ``digest in held`` asks about a parser's digest.

    Plain data (a key and a set of integers), so that it can be handed to a parser running
    in another process (``supplier_feeds.child``).
    """

    __slots__ = ("key", "stored")

    def __init__(self, key: bytes, stored: Set[int]) -> None:
        self.key = key
        self.stored = stored

    def __contains__(self, digest: object) -> bool:
        return isinstance(digest, bytes) and stored_digest(digest, self.key) in self.stored
