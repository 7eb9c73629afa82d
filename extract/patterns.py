"""Helpers for regexes that scan whole documents.

Python's regex engine can skip ahead to the next candidate position only when a pattern
opens with a character class or a literal. A pattern opening with ``\\b``, a lookahead or
an alternation of words is tried at every position of the text instead, and over a
corpus that made the name and date patterns a third of entity recognition. So the
patterns here open with a class of possible first characters, check the word boundary
after it with a lookbehind, and go on with their words minus the first letter.
"""

from __future__ import annotations

import re

#: a capital letter that begins a word
START = r"[A-Z](?<!\w[A-Z])"


def after_first(words: str, *, fold: bool = False) -> str:
    """ "Kim|Ko|Lee" -> "(?<=K)(?:im|o)|(?<=L)(?:ee)": the alternatives, their first
    letter already read (in either case if ``fold``).

    Words with different first letters never match at the same position, so keeping the
    order among words that share one keeps the alternation's meaning.
    """
    rests: dict[str, list[str]] = {}
    for word in words.split("|"):
        rests.setdefault(word[0], []).append(word[1:])
    return "|".join(
        f"(?<={_letter(first, fold)})(?:{'|'.join(rest)})" for first, rest in rests.items()
    )


def _letter(char: str, fold: bool) -> str:
    return f"[{str.lower(char)}{str.upper(char)}]" if fold and char.isalpha() else char


# Scanning stretches of a text instead of the whole of it: each pattern's scan tries a
# match at every capital or digit it passes, while what a pattern finds always holds
# one of a few strings ("malware", a year) and lies within a few words of it.

#: characters [start, end) of a text
Window = tuple[int, int]


def occurrences(text: str, needles: tuple[str, ...]) -> list[Window]:
    """Where each of ``needles`` stands in ``text`` (overlaps included), in no order."""
    found: list[Window] = []
    for needle in needles:
        i = text.find(needle)
        while i >= 0:
            found.append((i, i + len(needle)))
            i = text.find(needle, i + 1)
    return found


def merge_windows(spans: list[Window]) -> list[Window]:
    """``spans`` in text order, those that overlap or touch joined."""
    windows: list[Window] = []
    for lo, hi in sorted(spans):
        if windows and lo <= windows[-1][1]:
            if hi > windows[-1][1]:
                windows[-1] = (windows[-1][0], hi)
        else:
            windows.append((lo, hi))
    return windows


def scan(pattern: re.Pattern[str], text: str, windows: list[Window]) -> list[re.Match[str]]:
    """``pattern.finditer(text)`` over the ``windows`` only: the same matches, if every
    match lies in one of them with the characters its lookarounds read."""
    return [m for lo, hi in windows for m in pattern.finditer(text, lo, hi)]


def chunks_before(text: str, end: int, count: int) -> int:
    """Where the ``count``-th run of non-space characters before ``end`` begins (or
    the text does): the earliest start of a match of as many words ending there."""
    i = end
    for _ in range(count):
        while i > 0 and text[i - 1].isspace():
            i -= 1
        while i > 0 and not text[i - 1].isspace():
            i -= 1
    return i


def chunks_after(text: str, start: int, count: int) -> int:
    """Where the ``count``-th run of non-space characters after ``start`` ends (or the
    text does)."""
    i = start
    n = len(text)
    for _ in range(count):
        while i < n and text[i].isspace():
            i += 1
        while i < n and not text[i].isspace():
            i += 1
    return i
