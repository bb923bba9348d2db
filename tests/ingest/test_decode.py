"""Bytes to text: encodings are detected, never assumed, and non-text is refused by name."""

from __future__ import annotations

import codecs

import pytest
from hypothesis import given
from hypothesis import strategies as st

from searchpod.errors import IngestError
from searchpod.ingest.decode import declared_charset, decode_bytes

CAFE = "Caf\u00e9 talk: \u201cthe tide\u2019s in\u201d \u2014 said Ren\u00e9e.\n"


def test_utf8() -> None:
    assert decode_bytes(CAFE.encode("utf-8"), "a.txt") == CAFE


def test_utf8_bom_is_removed() -> None:
    assert decode_bytes(codecs.BOM_UTF8 + CAFE.encode("utf-8"), "a.txt") == CAFE


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32"])
def test_utf16_and_utf32_with_bom(encoding: str) -> None:
    data = CAFE.encode(encoding)
    if encoding != "utf-16" and encoding != "utf-32":
        bom = codecs.BOM_UTF16_LE if encoding.endswith("le") else codecs.BOM_UTF16_BE
        data = bom + data
    assert decode_bytes(data, "a.txt") == CAFE


def test_windows_1252_curly_quotes_and_accents() -> None:
    data = CAFE.encode("cp1252")
    assert b"\x93" in data and b"\x94" in data and b"\xe9" in data
    assert decode_bytes(data, "a.html") == CAFE


def test_mislabelled_utf8_declaration_on_windows_1252_bytes() -> None:
    data = b'<meta charset="utf-8"><p>' + CAFE.encode("cp1252")
    assert decode_bytes(data, "a.html").endswith(CAFE)


def test_declared_charset_is_used_when_the_bytes_are_not_utf8() -> None:
    # Windows-1252 would decode these bytes too, into nonsense: the declaration decides.
    text = "<html><head><meta charset='windows-1251'></head><body>Приливы и отливы</body></html>"
    assert decode_bytes(text.encode("cp1251"), "ru.html") == text


def test_http_equiv_declaration() -> None:
    text = '<meta http-equiv="Content-Type" content="text/html; charset=koi8-r"><p>Морской маяк</p>'
    assert decode_bytes(text.encode("koi8_r"), "ru.html") == text


def test_iso_8859_1_label_reads_as_windows_1252() -> None:
    # As browsers do (WHATWG Encoding): pages labelled ISO-8859-1 use 0x80-0x9F for
    # Windows-1252 punctuation, never for C1 control characters.
    data = b'<meta charset="iso-8859-1"><p>The keepers\x92 children \x97 Se\xf1ales</p>'
    assert decode_bytes(data, "es.html").endswith("The keepers\u2019 children \u2014 Señales</p>")


def test_xml_declaration() -> None:
    text = '<?xml version="1.0" encoding="iso-8859-7"?><rss><title>Φάρος</title></rss>'
    assert decode_bytes(text.encode("iso-8859-7"), "feed.xml") == text


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b'<meta charset="UTF-8">', "utf-8"),
        (b"<META HTTP-EQUIV='Content-Type' CONTENT='text/html; charset=ISO-8859-1'>", "cp1252"),
        (b'<meta charset="us-ascii">', "cp1252"),
        (b'<meta charset="iso-8859-15">', "iso8859-15"),
        (b'<meta charset="utf-16">', None),
        (b'<meta charset="x-no-such-encoding">', None),
        (b"<p>no declaration</p>", None),
        (b" " * 5000 + b'<meta charset="koi8-r">', None),  # only the head is looked at
    ],
)
def test_declared_charset(data: bytes, expected: str | None) -> None:
    assert declared_charset(data) == expected


def test_unknown_declared_charset_is_ignored() -> None:
    data = b'<meta charset="x-no-such-encoding"><p>caf\xe9</p>'
    assert decode_bytes(data, "a.html").endswith("café</p>")


@pytest.mark.parametrize("data", [b"", b"   \n\t\r\n  ", codecs.BOM_UTF8, codecs.BOM_UTF8 + b"\n "])
def test_empty(data: bytes) -> None:
    with pytest.raises(IngestError) as err:
        decode_bytes(data, "eps-1.html")
    assert err.value.source == "eps-1.html"
    assert "empty" in err.value.reason


PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000010000000100806000000")


@pytest.mark.parametrize(
    "data",
    [
        PNG,
        b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03" + bytes(range(256)),  # gzip
        bytes(range(256)) * 4,
        b"<html>\x00\x01\x02 a page with NULs \x00\x00\x03</html>",
        b"\x01\x02\x03\x04\x05\x06\x07\x08\x0e\x0f" * 20,  # control bytes, no NUL
    ],
)
def test_binary(data: bytes) -> None:
    with pytest.raises(IngestError) as err:
        decode_bytes(data, "eps-2.html")
    assert err.value.source == "eps-2.html"
    assert "binary" in err.value.reason
    assert str(err.value) == f"eps-2.html: {err.value.reason}"


def test_broken_utf16_after_its_bom() -> None:
    data = codecs.BOM_UTF16_LE + "ok".encode("utf-16-le") + b"\x00\xd8" + "x".encode("utf-16-le")
    with pytest.raises(IngestError) as err:
        decode_bytes(data, "eps-3.txt")
    assert "undecodable" in err.value.reason


def test_bytes_that_are_no_text_encoding() -> None:
    # Not UTF-8, not Windows-1252 (0x81 is undefined there), and no encoding fits them all.
    with pytest.raises(IngestError) as err:
        decode_bytes(bytes(range(128, 256)) * 4, "eps-4.txt")
    assert err.value.source == "eps-4.txt"
    assert "undecodable" in err.value.reason


def test_utf16_declared_in_an_ascii_readable_page_is_ignored() -> None:
    data = b'<meta charset="utf-16"><p>caf\xe9 au lait</p>'
    assert len(data) % 2 == 0  # so UTF-16 would "decode" it, into nonsense
    assert decode_bytes(data, "a.html").endswith("café au lait</p>")


@given(st.binary(max_size=3000))
def test_arbitrary_bytes_give_text_or_ingest_error(data: bytes) -> None:
    try:
        text = decode_bytes(data, "random.bin")
    except IngestError as exc:
        assert exc.source == "random.bin"
        assert "\n" not in str(exc)
    else:
        assert isinstance(text, str) and text.strip()


_PRINTABLE = st.characters(blacklist_categories=("Cc", "Cs"), blacklist_characters="\ufeff")


@given(st.text(_PRINTABLE, min_size=1, max_size=500).filter(str.strip))
def test_any_utf8_text_round_trips(text: str) -> None:
    assert decode_bytes(text.encode("utf-8"), "a.txt") == text
