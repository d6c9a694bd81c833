"""Hostile XML must neither expand entities nor read local files."""

from pathlib import Path

import pytest

from supplier_feeds import FeedError, FeedOffer, parse_feed

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE yml_catalog [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
  <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
  <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
  <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
  <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
  <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<yml_catalog><shop><offers>
<offer id="1"><name>&lol9;</name><price>1</price><currencyId>UAH</currencyId></offer>
</offers></shop></yml_catalog>"""


def xxe(target: str) -> bytes:
    return f"""<?xml version="1.0"?>
<!DOCTYPE yml_catalog [ <!ENTITY xxe SYSTEM "{target}"> ]>
<yml_catalog><shop><offers>
<offer id="1"><name>Leak &xxe;</name><description>&xxe;</description><price>1</price>
<currencyId>UAH</currencyId></offer>
</offers></shop></yml_catalog>""".encode()


def test_billion_laughs_is_refused_without_expanding():
    with pytest.raises(FeedError) as info:
        list(parse_feed(BILLION_LAUGHS))
    assert info.value.code == "unsafe_xml"
    assert "lol" not in info.value.message


@pytest.mark.parametrize("target", ["file:///etc/passwd", "/etc/passwd", "http://127.0.0.1:1/secret"])
def test_external_entities_are_refused_and_never_read(target):
    produced = []
    with pytest.raises(FeedError) as info:
        produced.extend(parse_feed(xxe(target)))
    assert info.value.code == "unsafe_xml"
    assert not any(isinstance(item, FeedOffer) for item in produced)
    passwd = Path("/etc/passwd")
    if passwd.exists():
        first_line = passwd.read_text().splitlines()[0]
        assert first_line not in repr(produced) + info.value.message


def test_parameter_entities_are_refused():
    data = b"""<?xml version="1.0"?>
<!DOCTYPE yml_catalog [ <!ENTITY % ext SYSTEM "file:///etc/passwd"> %ext; ]>
<yml_catalog><shop><offers></offers></shop></yml_catalog>"""
    with pytest.raises(FeedError) as info:
        list(parse_feed(data))
    assert info.value.code in {"unsafe_xml", "malformed_xml"}


def test_external_dtd_reference_is_not_fetched(tmp_path):
    # A DTD that would define &secret; if it were loaded from disk.
    dtd = tmp_path / "shops.dtd"
    dtd.write_text('<!ENTITY secret "TOP-SECRET">')
    data = f"""<?xml version="1.0"?>
<!DOCTYPE yml_catalog SYSTEM "{dtd.as_uri()}">
<yml_catalog><shop><offers>
<offer id="1"><name>Name &secret;</name><price>1</price><currencyId>UAH</currencyId></offer>
</offers></shop></yml_catalog>""".encode()
    produced = list(parse_feed(data))
    (offer,) = [item for item in produced if isinstance(item, FeedOffer)]
    assert offer.title == "Name &secret;"  # left unexpanded, as written
    assert "TOP-SECRET" not in repr(produced)


def test_an_html_entity_names_itself_its_line_and_the_fix():
    # libxml2's last word was "no element found" at line 0; the cause is in its error log.
    body = b'<offer id="1"><name>A</name><price>1</price></offer>\n<offer id="2"><name>A&nbsp;B</name>'
    with pytest.raises(FeedError) as info:
        list(
            parse_feed(
                b'<?xml version="1.0"?>\n<yml_catalog><shop><offers>\n'
                + body
                + b"<price>1</price></offer></offers></shop></yml_catalog>"
            )
        )
    assert info.value.code == "malformed_xml"
    message = info.value.message
    assert "&nbsp;" in message and "line 4" in message
    assert "&#160;" in message and "CDATA" in message
