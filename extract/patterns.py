"""Helpers for regexes that scan whole documents.

Python's regex engine can skip ahead to the next candidate position only when a pattern
opens with a character class or a literal. A pattern opening with ``\\b``, a lookahead or
an alternation of words is tried at every position of the text instead, and over a
corpus that made the name and date patterns a third of entity recognition. So the
patterns here open with a class of possible first characters, check the word boundary
after it with a lookbehind, and go on with their words minus the first letter.
"""

from __future__ import annotations

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
    return f"[{char.lower()}{char.upper()}]" if fold and char.isalpha() else char
