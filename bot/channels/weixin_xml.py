"""The XML WeChat and WeCom post to us and expect back: read safely, written with CDATA.

Their messages are one ``<xml>`` element with flat children (``<Content>``,
``<MsgId>`` …). Bodies come from the internet before anything is decrypted, so
they are parsed with ``defusedxml``, which refuses any DTD, entity declaration or
external reference outright (no billion laughs, no XXE) instead of expanding it.
"""

from __future__ import annotations

import re
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

# Characters XML 1.0 cannot carry at all; dropped from what we write.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class MalformedXml(ValueError):
    """Not a WeChat message: unparsable, hostile (DTD/entities) or not ``<xml>`` with fields."""


def parse_fields(body: bytes | str) -> dict[str, str]:
    """The ``<xml>`` element's children as {tag: text}; nested elements keep their own text only."""
    if not body or not body.strip():
        raise MalformedXml("empty body")
    try:
        root = fromstring(body, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (ParseError, DefusedXmlException, ValueError) as exc:
        raise MalformedXml(f"{type(exc).__name__}: {exc}") from exc
    if root.tag != "xml":
        raise MalformedXml(f"root element is <{root.tag}>, not <xml>")
    return {child.tag: (child.text or "").strip() for child in root}


def _cdata(text: str) -> str:
    text = _NOT_XML.sub("", text)
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def render_fields(fields: dict[str, str | int]) -> str:
    """``<xml>`` with one child per field: numbers bare, text as CDATA (as their samples write)."""
    parts = [
        f"<{tag}>{value if isinstance(value, int) else _cdata(value)}</{tag}>"
        for tag, value in fields.items()
    ]
    return "<xml>" + "".join(parts) + "</xml>"
