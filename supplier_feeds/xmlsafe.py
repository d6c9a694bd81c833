"""One hardened, streaming XML reader for every XML feed format (YML, Hotline, Google Merchant).

A feed is untrusted input: entities are never expanded, no DTD or anything else is
fetched, and a DOCTYPE that declares entities (billion laughs, XXE) is refused outright.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Collection, Iterator
from typing import Any, BinaryIO

from lxml import etree

from .rows import FeedError

# libxml2 messages that mean "wrong encoding" rather than "cut short" (which also
# mentions UTF-8 when the cut splits a character: "Incomplete UTF-8 sequence").
_ENCODING_ERRORS = (
    "invalid bytes in character encoding",
    "not proper utf-8",
    "unsupported encoding",
    "unknown encoding",
)


def local_name(tag: Any) -> str:
    """Return "item" for "{http://...}item" and "item"; "" for comments and entity references."""
    if not isinstance(tag, str):
        return ""
    return tag.rpartition("}")[2]


def iterate(
    stream: BinaryIO,
    *,
    events: tuple[str, ...],
    tag: Collection[str] | None,
    roots: Collection[str],
    not_this_format: str,
) -> Iterator[tuple[str, Any]]:
    """Yield iterparse (event, element) pairs of ``stream`` after checking its root and DOCTYPE.

    ``roots`` are the local names the root element may have; ``not_this_format`` is the
    FeedError message for any other root. Raise FeedError("unsafe_xml") for entity
    declarations and FeedError("malformed_xml" | "bad_encoding") for broken files.
    """
    context = etree.iterparse(
        stream,
        events=events,
        tag=tag,
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    checked = False
    try:
        for event, element in context:
            if not checked:
                _check_root(element, roots, not_this_format)
                checked = True
            yield event, element
    except etree.XMLSyntaxError as exc:
        raise syntax_error(exc) from None
    if not checked:
        raise FeedError("unknown_format", not_this_format)


def _check_root(element: Any, roots: Collection[str], not_this_format: str) -> None:
    tree = element.getroottree()
    if local_name(tree.getroot().tag) not in roots:
        raise FeedError("unknown_format", not_this_format)
    dtd = tree.docinfo.internalDTD
    if dtd is not None and any(True for _ in dtd.iterentities()):
        # Entity declarations have no business in a price list; they are how
        # "billion laughs" and local-file (XXE) attacks are built.
        raise FeedError(
            "unsafe_xml",
            "The file declares XML entities in its DOCTYPE, which we refuse for safety. Remove the DOCTYPE block.",
        )


def syntax_error(exc: etree.XMLSyntaxError) -> FeedError:
    """Turn libxml2's complaint into a FeedError a supplier can act on."""
    line, text = exc.lineno, str(exc.msg or exc)
    # iterparse may report a later symptom ("no element found", line 0); libxml2's log keeps the
    # cause as its latest error (older entries can be left over from earlier files in this thread).
    errors = [entry for entry in exc.error_log if entry.level >= etree.ErrorLevels.ERROR]
    first = errors[-1] if errors and not exc.lineno else None
    if first is not None:
        line, text = first.line or line, first.message.strip() or text
        if first.type_name == "ERR_UNDECLARED_ENTITY":
            found = re.search(r"Entity '([^']*)'", text)
            name = found.group(1) if found else "?"
            return FeedError(
                "malformed_xml",
                f"The XML uses the entity &{name}; near line {line}, which XML does not define "
                f"(it is an HTML name). Write the character itself or its number (&#160; for &nbsp;), "
                "or put HTML text inside <![CDATA[ ... ]]>.",
            )
    where = f" near line {line}" if line else ""
    if any(marker in text.lower() for marker in _ENCODING_ERRORS):
        return FeedError(
            "bad_encoding",
            f"The file is not in the encoding it declares{where}: {text}. Save it as UTF-8 and upload it again.",
        )
    return FeedError(
        "malformed_xml", f"The XML is broken{where}: {text}. The file may be cut short or hand-edited; export it again."
    )


def forget(element: Any) -> None:
    """Drop a processed element and its already-processed siblings to keep memory flat."""
    element.clear(keep_tail=False)
    parent = element.getparent()
    if parent is not None:
        while element.getprevious() is not None:
            del parent[0]


def fingerprint(element: Any) -> bytes:
    """Return 16 bytes that change whenever the element's markup (attributes, children, text) does."""
    return hashlib.blake2b(etree.tostring(element, with_tail=False), digest_size=16).digest()


def keyed_digest(fingerprint: bytes, key: bytes) -> bytes:
    """Return a row's ``FeedOffer.digest``: its fingerprint under the feed-wide facts ``key`` stands for."""
    return hashlib.blake2b(fingerprint, key=key, digest_size=16).digest()


def all_text(element: Any) -> str:
    """Return the text of ``element`` and its descendants."""
    # Most fields are a single text node; itertext() is only needed around entities or tags.
    return element.text or "" if len(element) == 0 else "".join(element.itertext())


def inner_xml(element: Any) -> str:
    """Return an element's content as given, keeping un-CDATA'd HTML tags."""
    parts = [element.text or ""]
    parts.extend(etree.tostring(child, encoding="unicode", with_tail=True) for child in element)
    return "".join(parts)
