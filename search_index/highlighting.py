"""Highlights for a hit: the title (or else a snippet) as HTML with the matched words in <b>."""

from __future__ import annotations

import html
import logging
from typing import Any

from whoosh import highlight

from search_index.analysis import offer_analyzer

logger = logging.getLogger(__name__)

_ANALYZER = offer_analyzer()


class _BoldFormatter(highlight.Formatter):
    """Format highlights as HTML-escaped text with matched words in <b>."""

    between = " … "

    def _text(self, text: str) -> str:
        return html.escape(text, quote=False)

    def format_token(self, text: str, token: Any, replace: bool = False) -> str:
        matched = highlight.get_text(text, token, replace)
        return f"<b>{html.escape(matched, quote=False)}</b>"


_FORMATTER = _BoldFormatter()
_WHOLE = highlight.WholeFragmenter()
_CONTEXT = highlight.ContextFragmenter(maxchars=200, surround=40)


def highlight_hit(title: str, snippet: str, terms: frozenset[str]) -> str:
    """Return the title with the matched ``terms`` in <b>, else the snippet's best fragment, else ""."""
    if not terms:
        return ""
    try:
        marked: str = highlight.highlight(title, terms, _ANALYZER, _WHOLE, _FORMATTER, top=1)
        if "<b>" in marked:
            return marked
        if snippet:
            marked = highlight.highlight(snippet, terms, _ANALYZER, _CONTEXT, _FORMATTER, top=1)
            return marked
    except (KeyError, ValueError):
        # A highlight is decoration; an odd token must not cost the buyer the results.
        logger.debug("no highlight for %r", title, exc_info=True)
    return ""
