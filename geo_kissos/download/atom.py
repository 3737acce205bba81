"""The ČÚZK Atom download feeds (INSPIRE-style): find the current ZIP of a theme.

A service feed (``RUIAN-CSV-ADR-ST.xml``) has entries that link either the data file itself
(``type="application/zip"`` or an address ending ``.zip``) or a dataset feed
(``type="application/atom+xml"``) whose entries link the files. The current file is the one of
the entry with the latest ``updated``; that date is the data's own date.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import date, datetime

from ..errors import FeedError

ATOM = "{http://www.w3.org/2005/Atom}"


@dataclass(frozen=True)
class FeedLink:
    """What an Atom feed points to: a ZIP (``is_zip``) or a further feed, with its entry's date."""

    href: str
    updated: date | None
    is_zip: bool
    length: int | None = None


def _date(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.strip().replace("Z", "+00:00")).date()
    except ValueError:
        return None


def current_link(xml: bytes) -> FeedLink:
    """The link of the newest entry of an Atom feed.

    Raises
    ------
    FeedError
        Not XML, not an Atom ``feed``, or no entry with a ZIP or Atom link.
    """
    try:
        root = ET.fromstring(xml)
    except ET.ParseError as exc:
        raise FeedError(f"not an XML document: {exc}") from None
    if root.tag != f"{ATOM}feed":
        raise FeedError(f"not an Atom feed (root element {root.tag})")
    found: list[FeedLink] = []
    for entry in root.iter(f"{ATOM}entry"):
        updated = _date(entry.findtext(f"{ATOM}updated"))
        for link in entry.iter(f"{ATOM}link"):
            href = (link.get("href") or "").strip()
            kind = (link.get("type") or "").lower()
            if not href or link.get("rel", "alternate") not in ("alternate", "enclosure", "section"):
                continue
            length = link.get("length")
            if "zip" in kind or href.lower().split("?")[0].endswith(".zip"):
                found.append(FeedLink(href, updated, True, int(length) if length and length.isdigit() else None))
            elif "atom" in kind or href.lower().endswith(".xml"):
                found.append(FeedLink(href, updated, False))
    if not found:
        raise FeedError("no entry links a ZIP file or a dataset feed")
    # newest entry; a direct ZIP before a further feed of the same date
    return max(found, key=lambda f: (f.updated or date.min, f.is_zip))
