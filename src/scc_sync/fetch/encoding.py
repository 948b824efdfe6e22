"""Bytes from the web to text, with German umlauts intact.

The charset is taken from the first source that names one: a byte-order mark (it cannot lie, so it
wins even over the HTTP header, as the HTML standard says), the HTTP `Content-Type` header, the XML
declaration, `<meta charset>` / `<meta http-equiv>` (HTML only), and finally statistical detection.
A declared charset that cannot decode the bytes is skipped, so a server that says UTF-8 but sends
windows-1252 still reads right. ISO-8859-1 and US-ASCII are read as windows-1252: servers that say
latin-1 often send curly quotes and the euro sign from cp1252, and for real latin-1 text the two agree.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator, Mapping

import charset_normalizer

_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
_HEADER_CHARSET = re.compile(r"""charset\s*=\s*["']?([\w.:-]+)""", re.IGNORECASE)
_XML_DECL = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([\w.:-]+)["']""", re.IGNORECASE)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([\w.:-]+)""", re.IGNORECASE)
_SNIFF_BYTES = 4096  # where the HTML standard looks for <meta charset>
_AS_CP1252 = {"latin-1", "iso8859-1", "ascii"}


def decode_html(content: bytes, headers: Mapping[str, str]) -> str:
    """Decode an HTML page (BOM, header, XML declaration, meta tags, detection)."""
    return _decode(content, _candidates(content, headers, html=True))


def decode_text(content: bytes, headers: Mapping[str, str]) -> str:
    """Decode a text or XML body (BOM, header, XML declaration, detection); no HTML meta sniffing."""
    return _decode(content, _candidates(content, headers, html=False))


def declared_charset(headers: Mapping[str, str]) -> str | None:
    """The charset named in a Content-Type header, if any (header names in any case)."""
    content_type = header(headers, "content-type") or ""
    match = _HEADER_CHARSET.search(content_type)
    return match.group(1) if match else None


def header(headers: Mapping[str, str], name: str) -> str | None:
    """A header value by case-insensitive name (our FetchResult headers are a plain dict)."""
    lowered = name.lower()
    return next((value for key, value in headers.items() if key.lower() == lowered), None)


def _candidates(content: bytes, headers: Mapping[str, str], *, html: bool) -> Iterator[str]:
    for bom, name in _BOMS:
        if content.startswith(bom):
            yield name
    if charset := declared_charset(headers):
        yield charset
    head = content[:_SNIFF_BYTES]
    if match := _XML_DECL.search(head):
        yield match.group(1).decode("ascii")
    if html and (match := _META_CHARSET.search(head)):
        yield match.group(1).decode("ascii")
    detected = charset_normalizer.from_bytes(content).best()
    if detected is not None:
        yield detected.encoding


def _decode(content: bytes, candidates: Iterator[str]) -> str:
    for label in candidates:
        codec = _codec(label)
        if codec is None:
            continue
        if codec == "cp1252":
            return _decode_cp1252(content)
        try:
            return content.decode(codec)
        except UnicodeDecodeError:
            continue
    return content.decode("utf-8", errors="replace")


def _decode_cp1252(content: bytes) -> str:
    # Servers (Apache's old default) label UTF-8 pages ISO-8859-1; non-ASCII text that is valid UTF-8
    # is practically never meant as cp1252, so UTF-8 wins then.
    if not content.isascii():
        try:
            return content.decode("utf-8-sig")
        except UnicodeDecodeError:
            pass
    try:
        return content.decode("cp1252")
    except UnicodeDecodeError:  # five bytes are undefined in cp1252; latin-1 maps them all
        return content.decode("latin-1")


def _codec(label: str) -> str | None:
    try:
        name = codecs.lookup(label.strip().lower()).name
    except LookupError:
        return None
    if name in _AS_CP1252:
        return "cp1252"
    if name == "utf-8":
        return "utf-8-sig"  # a stray BOM after a header charset must not become U+FEFF in the text
    return name
