"""Date expressions and their ISO 8601 forms (decades as ``199X``)."""

from __future__ import annotations

import re
from bisect import bisect_left
from typing import Final, final

from extract.patterns import Window, after_first, merge_windows, occurrences, scan

MONTHS: Final = {
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
_MONTHS: Final = (
    r"January|February|March|April|May|June|July|August|September|October|November|"
    r"December|Jan\.?|Feb\.?|Mar\.?|Apr\.?|Jun\.?|Jul\.?|Aug\.?|Sept?\.?|Oct\.?|Nov\.?|Dec\.?"
)
_MONTH: Final = rf"(?P<month>{_MONTHS})"
_YEAR: Final = r"(?P<year>(?:19|20)\d\d)"
_PARTS: Final = r"early|mid|late|the\s+end\s+of|the\s+beginning\s+of|the\s+middle\s+of"


# Each pattern opens with a character class and checks the word boundary after it, so
# that the regex engine can skip to candidates (see extract.patterns). A date that may
# begin with a word ("early", "the end of") or a month comes as two patterns, with the
# word first: find_dates keeps the first of overlapping matches, as the one pattern's
# alternation did.
_CENTURY: Final = r"[12](?<!\w[12])(?:(?<=1)9|(?<=2)0)"  # "19" or "20" opening a word
_MONTH_FIRST: Final = rf"(?P<month>[A-Z](?<!\w[A-Z])(?:{after_first(_MONTHS)}))"
_YEAR_FIRST: Final = rf"(?P<year>{_CENTURY}\d\d)"
_NOT_AMOUNT: Final = r"(?!s|-\d|\s*(?:million|billion|percent|%))"
_PART_WORDS: Final = ("early", "mid", "late", "end", "beginning", "middle")
_DECADE: Final = ("0s",)
#: each pattern, with strings one of which every match of it holds once lower-cased
#: (empty: no such strings): a text with none of them is not scanned for the pattern
PATTERNS: list[tuple[re.Pattern[str], tuple[str, ...]]] = [
    # 2023-04-24
    (re.compile(rf"(?P<iso>{_CENTURY}\d\d-[01]\d-[0-3]\d)\b"), ("-0", "-1")),
    # April 24, 2023 / April 24 2023
    (re.compile(rf"{_MONTH_FIRST}\s+(?P<day>[0-3]?\d)(?:st|nd|rd|th)?,?\s+{_YEAR}\b"), ()),
    # 24 April 2023
    (
        re.compile(
            rf"(?P<day>\d(?<!\w\d)(?:(?<=[0-3])\d)?)(?:st|nd|rd|th)?\s+{_MONTH}\s+{_YEAR}\b"
        ),
        (),
    ),
    # early February 2023, the end of March 2023
    (
        re.compile(
            rf"[emlt](?<!\w[emlt])(?:{after_first(_PARTS)})[\s-]+{_MONTH}\s+(?:of\s+)?{_YEAR}\b"
        ),
        _PART_WORDS,
    ),
    # February 2023
    (re.compile(rf"{_MONTH_FIRST}\s+(?:of\s+)?{_YEAR}\b"), ()),
    # the early 1990s / mid-2000s
    (
        re.compile(
            rf"[emlEML](?<!\w[emlEML])(?i:{after_first('early|mid|late', fold=True)})[\s-]+"
            r"(?P<decade>(?:19|20)\d)0(?i:s)\b"
        ),
        _DECADE,
    ),
    # the 1990s
    (re.compile(rf"(?P<decade>{_CENTURY}\d)0(?i:s)\b"), _DECADE),
    # late 2015
    (
        re.compile(
            rf"[emltEMLT](?<!\w[emltEMLT])(?i:{after_first(_PARTS, fold=True)})[\s-]+"
            rf"{_YEAR}\b(?i:{_NOT_AMOUNT})"
        ),
        _PART_WORDS,
    ),
    # 2015
    (re.compile(rf"{_YEAR_FIRST}\b(?i:{_NOT_AMOUNT})"), ()),
]


@final
class DateMatch:
    """A date expression: characters [start, end) of the text, and its ISO 8601 form.

    A plain class, not a dataclass: compiled, a dataclass is still made through the
    ``__init__`` that ``dataclasses`` writes in Python (a Python call per date).
    """

    def __init__(self, start: int, end: int, text: str, iso: str) -> None:
        self.start = start
        self.end = end
        self.text = text
        self.iso = iso

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, DateMatch)
            and self.start == other.start
            and self.end == other.end
            and self.text == other.text
            and self.iso == other.iso
        )

    def __repr__(self) -> str:
        return f"DateMatch({self.start}, {self.end}, {self.text!r}, {self.iso!r})"


def find_dates(text: str, windows: list[Window] | None = None) -> list[DateMatch]:
    """Every date expression in ``text``, longest first where they overlap.

    ``windows``: the stretches of the text scanned, by default those around its years
    (:func:`year_windows`), which hold every date there is.
    """
    found: list[DateMatch] = []
    taken: list[tuple[int, int]] = []  # in text order, not overlapping
    if windows is None:
        windows = year_windows(text)
    if not windows:
        return found
    # the strings are looked for in the lower-cased stretches (a date lies in one),
    # unless the text has a letter that case-insensitive matching pairs with "i" or "s"
    # ("ı", "İ", "ſ"); joined by a line break, which none of the strings holds
    lowered = (
        None
        if any(c in text for c in "ıİſ")
        else str.lower("\n".join([text[lo:hi] for lo, hi in windows]))
    )
    for pattern, needles in PATTERNS:
        if needles and lowered is not None and not any(n in lowered for n in needles):
            continue
        for m in scan(pattern, text, windows):
            start, end = m.span()
            # the taken span before this one ends by its start, the next begins after it
            k = bisect_left(taken, (start,))
            if (k and taken[k - 1][1] > start) or (k < len(taken) and taken[k][0] < end):
                continue
            iso = _normalise(m)
            if iso is None:
                continue
            found.append(DateMatch(start, end, m.group(0), iso))
            taken.insert(k, (start, end))
    return sorted(found, key=lambda d: d.start)


#: what a date may hold before its year: "the beginning of September of 2019" has six
#: runs of spaces or hyphens, and no word of a date is longer than "September,"
_RUNS_BEFORE_YEAR: Final = 6
_LONGEST_WORD: Final = 12
#: what the patterns read after a year's four digits: "-04-24" and a word boundary, or
#: spaces and "billion"
_AFTER_YEAR: Final = 8
_AFTER_SPACES: Final = 9


def year_windows(text: str) -> list[Window]:
    """The stretches of ``text`` that hold all of its dates, in text order and apart.

    Every date pattern holds a year ("19" or "20" and two digits), and a date reaches
    only a few words before it and a few characters after it. Scanning these stretches
    finds what scanning the whole text finds (each date lies inside one, and what the
    patterns look at around it too), and a report's text is mostly not near a year:
    each pattern's scan tries a match at every capital or digit it passes.
    """
    years = occurrences(text, ("19", "20"))
    return merge_windows([(_reach_before(text, i), _reach_after(text, i + 4)) for i, _ in years])


def _is_run(c: str) -> bool:
    """What separates the words of a date: white space and hyphens."""
    return c == "-" or c.isspace()


def _reach_before(text: str, year: int) -> int:
    """Where a date holding the year at ``year`` may begin, at the earliest: back over
    as many words and the runs before them as a date has."""
    start = year
    for _ in range(_RUNS_BEFORE_YEAR):
        i = start
        while i > 0 and _is_run(text[i - 1]):
            i -= 1
        if i == start:
            break  # a date's words are apart
        word = i
        while word > 0 and not _is_run(text[word - 1]) and i - word < _LONGEST_WORD:
            word -= 1
        start = word
        if word > 0 and not _is_run(text[word - 1]):
            break  # a longer word: none of a date, which begins in its last characters
    return start


def _reach_after(text: str, end: int) -> int:
    """Where the patterns stop reading after a year's digits ending at ``end``."""
    i = end
    while i < len(text) and text[i].isspace():
        i += 1
    return min(len(text), max(end + _AFTER_YEAR, i + _AFTER_SPACES))


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
    month = MONTHS[str.lower(month_name).rstrip(".")]
    day = groups.get("day")
    if day:
        if not 1 <= int(day) <= 31:
            return None
        return f"{year}-{month:02d}-{int(day):02d}"
    return f"{year}-{month:02d}"
