"""The supplier portal: one blueprint on ``/portal``, one module per group of pages.

- ``home``: the portal page and the price-list upload;
- ``feeds``: feed addresses fetched on schedule;
- ``runs``: one import, its column mapping and the withdrawal confirmation;
- ``leads``: click-outs to the supplier's store and order requests;
- ``storefront``: how buyers reach the supplier, and where its categories map;
"""

from __future__ import annotations

# Each page module adds its routes to ``bp`` when imported.
from marketplace.portal import feeds, home, leads, runs, storefront  # noqa: F401
from marketplace.portal.blueprint import bp

__all__ = ["bp"]
