"""Date expressions and their ISO 8601 forms (decades as ``199X``)."""

from __future__ import annotations

import re
from dataclasses import dataclass

MONTHS = {
    "january": 1,
    "february": 2,
    "march": 3,
    "april": 4,
    "may": 5,
    "june": 6,
    "july": 7,
    "august": 8,
    "september": 9,
    "october": 10,
    "november": 11,
    "december": 12,
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "sept": 9,
    "oct": 10,
    "nov": 11,
    "dec": 12,
}
_MONTH = (
    r"(?P<month>January|February|March|April|May|June|July|August|September|October|November|"
    r"December|Jan\.?|Feb\.?|Mar\.?|Apr\.?|Jun\.?|Jul\.?|Aug\.?|Sept?\.?|Oct\.?|Nov\.?|Dec\.?)"
)
_YEAR = r"(?P<year>(?:19|20)\d\d)"
_PART = r"(?:(?:early|mid|late|the\s+end\s+of|the\s+beginning\s+of|the\s+middle\s+of)[\s-]+)?"

# Each pattern is led by a lookahead for the characters it can begin with, so the regex
# engine skips other positions at once rather than trying every alternative there.
PATTERNS = [
    # 2023-04-24
    re.compile(r"\b(?P<iso>(?:19|20)\d\d-[01]\d-[0-3]\d)\b"),
    # April 24, 2023 / April 24 2023
    re.compile(rf"(?=[A-Z])\b{_MONTH}\s+(?P<day>[0-3]?\d)(?:st|nd|rd|th)?,?\s+{_YEAR}\b"),
    # 24 April 2023
    re.compile(rf"\b(?P<day>[0-3]?\d)(?:st|nd|rd|th)?\s+{_MONTH}\s+{_YEAR}\b"),
    # (early) February 2023
    re.compile(rf"(?=[emltA-Z])\b{_PART}{_MONTH}\s+(?:of\s+)?{_YEAR}\b"),
    # the (early) 1990s / mid-2000s
    re.compile(r"(?=[emlEML12])\b(?:(?:early|mid|late)[\s-]+)?(?P<decade>(?:19|20)\d)0s\b", re.I),
    # (late) 2015
    re.compile(
        rf"(?=[emltEMLT12])\b{_PART}{_YEAR}\b(?!s|-\d|\s*(?:million|billion|percent|%))", re.I
    ),
]


@dataclass(frozen=True)
class DateMatch:
    start: int
    end: int
    text: str
    iso: str


def find_dates(text: str) -> list[DateMatch]:
    """Every date expression in ``text``, longest first where they overlap."""
    found: list[DateMatch] = []
    taken: list[tuple[int, int]] = []
    for pattern in PATTERNS:
        for m in pattern.finditer(text):
            if any(m.start() < end and start < m.end() for start, end in taken):
                continue
            iso = _normalise(m)
            if iso is None:
                continue
            found.append(DateMatch(m.start(), m.end(), m.group(0), iso))
            taken.append((m.start(), m.end()))
    return sorted(found, key=lambda d: d.start)


def _normalise(m: re.Match[str]) -> str | None:
    groups = m.groupdict()
    if groups.get("iso"):
        return groups["iso"]
    if groups.get("decade"):
        return f"{groups['decade']}X"
    year = groups.get("year")
    if not year:
        return None
    month_name = groups.get("month")
    if not month_name:
        return year
    month = MONTHS[month_name.lower().rstrip(".")]
    day = groups.get("day")
    if day:
        if not 1 <= int(day) <= 31:
            return None
        return f"{year}-{month:02d}-{int(day):02d}"
    return f"{year}-{month:02d}"
