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

# A DOCTYPE is read before the root element, so its entity declarations lie within the first
# bytes of any file that has them; 64 KiB holds any internal subset a price list could carry.
_HEAD_BYTES = 65536
_ENTITY_DECLARATION = re.compile(rb"<!ENTITY\s", re.IGNORECASE)

# libxml2 error types that can only come from entity declarations or their expansion. Which of
# them a hostile DOCTYPE triggers depends on the libxml2 version (2.14 stops "billion laughs"
# with ERR_RESOURCE_LIMIT while it reads the declarations, before any element; 2.12 and 2.13
# read them and leave the refusal to _check_root), so the verdict never rests on one of them alone.
_ENTITY_ERRORS = frozenset(
    getattr(etree.ErrorTypes, name)
    for name in ("ERR_ENTITY_LOOP", "ERR_ENTITY_PROCESSING", "ERR_ENTITY_IS_EXTERNAL", "ERR_ENTITY_PE_INTERNAL")
)

_UNSAFE_MESSAGE = "The file declares XML entities in its DOCTYPE, which we refuse for safety. Remove the DOCTYPE block."

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
    # libxml2's error log is per thread and outlives a parse: start this one with it empty, so
    # that what it holds when this parse fails is about this file.
    etree.clear_error_log()
    head = _HeadRecorder(stream)
    context = etree.iterparse(
        head,
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
        if not checked and _is_entity_attack(exc, head.head):
            raise FeedError("unsafe_xml", _UNSAFE_MESSAGE) from None
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
        raise FeedError("unsafe_xml", _UNSAFE_MESSAGE)


class _HeadRecorder:
    """A read-only view of a stream that keeps its first ``_HEAD_BYTES`` bytes for diagnosis."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self.head = b""

    def read(self, size: int = -1) -> bytes:
        data = self._stream.read(size)
        if len(self.head) < _HEAD_BYTES:
            self.head += data[: _HEAD_BYTES - len(self.head)]
        return data


def _is_entity_attack(exc: etree.XMLSyntaxError, head: bytes) -> bool:
    """Say whether a parse that failed before the root element failed on entity declarations.

    True when libxml2 names an entity error, or when the file declares entities at all: such a
    file would be refused as unsafe on any libxml2 that got through its DOCTYPE, so one that
    stopped inside it gets the same verdict, whatever words this libxml2 version chose.
    """
    # lxml-stubs declare _ErrorLog without the __iter__ lxml gives it.
    if any(entry.type in _ENTITY_ERRORS for entry in exc.error_log):  # type: ignore[attr-defined]
        return True
    prolog = head.split(b"]>", 1)[0] if b"<!DOCTYPE" in head else b""
    return _ENTITY_DECLARATION.search(prolog) is not None


def syntax_error(exc: etree.XMLSyntaxError) -> FeedError:
    """Turn libxml2's complaint into a FeedError a supplier can act on."""
    line, text = exc.lineno, str(exc.msg or exc)
    # iterparse may report a later symptom ("no element found", line 0); libxml2's log keeps the
    # cause as its latest error (older entries can be left over from earlier files in this thread).
    errors = [entry for entry in exc.error_log if entry.level >= etree.ErrorLevels.ERROR]  # type: ignore[attr-defined]  # as above
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
