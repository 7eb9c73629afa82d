"""The whole-document regexes: dates and names by their form, at word boundaries."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from extract import dates
from extract.dates import find_dates
from extract.entities import (
    ACTOR_FORM,
    FORMS,
    INCIDENT_FORM,
    MALWARE_FORM,
    ORG_FORM,
    PERSON_FORM,
    strip_article,
)
from extract.extractor import SANCTION_WORDS
from extract.patterns import after_first, scan
from extract.relations import Marks


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("amid March 2020 and x2017 or 2017x", [("March 2020", "2020-03")]),
        ("the mid-1990s and EARLY 2000S", [("mid-1990s", "199X"), ("EARLY 2000S", "200X")]),
        ("Late 2015, the 2016s", [("Late 2015", "2015")]),
        ("at the End of March 2020", [("March 2020", "2020-03")]),
        ("at the end of March 2020", [("the end of March 2020", "2020-03")]),
        ("the beginning of 2017", [("the beginning of 2017", "2017")]),
        (
            "12 April 2020, 123 April 2020",
            [("12 April 2020", "2020-04-12"), ("April 2020", "2020-04")],
        ),
        (
            "April 3rd, 2021 and 5 May 2019",
            [("April 3rd, 2021", "2021-04-03"), ("5 May 2019", "2019-05-05")],
        ),
        ("2020-01-02x 1999-12-31", [("1999-12-31", "1999-12-31")]),
        ("2019 million, 2018% and 2017-2018", [("2018", "2018")]),
    ],
)
def test_dates_begin_and_end_at_word_boundaries(text: str, found: list[tuple[str, str]]) -> None:
    assert [(d.text, d.iso) for d in find_dates(text)] == found


@pytest.mark.parametrize(
    ("pattern", "text", "names"),
    [
        (
            PERSON_FORM,
            "O Kil Nam met Oh Se-hun Kim and KPark Jin Hyok",
            ["O Kil Nam", "Oh Se-hun Kim"],
        ),
        (PERSON_FORM, "a man named Park Jin Hyok; Mr. Ri", ["Park Jin Hyok", "Ri"]),
        (
            PERSON_FORM,
            "said Jane Doe, the Deputy Secretary; Dr. Kim; Lee Min-ho; charged Kim Jong Un",
            ["Jane Doe", "Kim", "Kim Jong Un"],
        ),
        (
            MALWARE_FORM,
            "the RokRAT malware, Dtrack backdoor, BLINDINGCAN RAT, x9Z trojan, Mata3 implant,"
            " appleJeus malware, Hoplight  malware, 3PROC wiper, Windows loader",
            ["RokRAT", "Dtrack", "BLINDINGCAN", "Mata3", "Windows"],
        ),
        (
            ACTOR_FORM,
            "APT38, APT 37, XAPT38, TA444, Storm-0530 and Jade Sleet",
            ["APT38", "APT 37", "TA444", "Storm-0530", "Jade Sleet"],
        ),
        (
            ORG_FORM,
            "the Ministry of State Security, and Chosun Expo Company",
            ["Ministry of State Security", "Chosun Expo Company"],
        ),
        (
            INCIDENT_FORM,
            "Operation Dream Job and the Bangladesh Bank heist",
            ["Operation Dream Job", "Bangladesh Bank heist"],
        ),
    ],
)
def test_names_by_form(pattern: re.Pattern[str], text: str, names: list[str]) -> None:
    assert [m.group() for m in pattern.finditer(text)] == names


def test_texts_without_a_patterns_strings_are_not_scanned_for_it(
    dev_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Skipping a pattern whose strings a text lacks finds what scanning for it finds,
    also where case-insensitive matching pairs "i" with "ı" or "İ" and "s" with "ſ"."""
    texts = [json.loads(p.read_text())["text"] for p in sorted(dev_dir.glob("*.json"))]
    texts += [
        "the mıd-1990ſ, MİD 2015, late 2015, the END OF March 2020",
        "the 1990S, 2023-04-24 and 2023-11-05, but not 2023-24-04",
        "in the mid-2000s, around 2015-16, and in early 2019",
    ]
    skipping = [[(d.text, d.iso) for d in find_dates(t)] for t in texts]
    monkeypatch.setattr(dates, "PATTERNS", [(p, ()) for p, _ in dates.PATTERNS])
    assert skipping == [[(d.text, d.iso) for d in find_dates(t)] for t in texts]
    assert ("mıd-1990ſ", "199X") in skipping[-3] and ("2023-11-05", "2023-11-05") in skipping[-2]


# pieces of dates and of what is near them, and runs of space that patterns cross
_DATE_PIECES = st.sampled_from(
    [
        *"19 20 2019 1990 1990s 2000S 2019-04-24 04 24th, 3rd 12 - -- mid early LATE the end"
        " beginning middle of March Sept. May April, million % percent x abcdefghijklmnop"
        " (the ( , .".split(),
        *[" ", "  ", "\n", " \t ", "\u2003", " - ", "19" * 9, "ſ", "İ", "١٩"],
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_DATE_PIECES, max_size=40))
def test_scanning_near_years_finds_every_date(pieces: list[str]) -> None:
    """The stretches around the years hold every date the whole text holds, and what
    the patterns read around it."""
    text = "".join(pieces)
    assert find_dates(text) == find_dates(text, [(0, len(text))])


def test_dates_far_from_their_year_words() -> None:
    text = "the beginning   of \n September  of   2019, 12 \t\t April  2020, 2019    million"
    assert find_dates(text) == find_dates(text, [(0, len(text))])
    assert [d.iso for d in find_dates(text)] == ["2019-09", "2020-04-12"]


# pieces of names by their form and of what is near them
_NAME_PIECES = st.sampled_from(
    [
        *"Operation Dream Job Sony Pictures Bangladesh Bank heist hack attacks campaign the"
        " hacked counterattack RokRAT malware antimalware Dtrack backdoor RAT RATs Trojan"
        " trojan.x x9Z Loader APT APT38 APT-C-35 TA444 TA FIN7 UNC2452 DEV-0530 Storm-0530"
        " Jade Sleet Panda Velvet Chollima Cooperation ( , . - 12345678901234".split(),
        *[" ", "  ", "\n", " \t ", "\u2003", "’", "é", "_"],
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_NAME_PIECES, max_size=30))
def test_scanning_near_a_forms_words_finds_every_name(pieces: list[str]) -> None:
    """The stretches a form is scanned over hold every name it finds in the whole
    text, with the characters its lookarounds read."""
    text = "".join(pieces)
    for pattern, _, windows_of in FORMS:
        if windows_of is not None:
            whole = [(m.span(), m.groups()) for m in pattern.finditer(text)]
            assert [(m.span(), m.groups()) for m in scan(pattern, text, windows_of(text))] == whole


@pytest.mark.parametrize(
    ("pattern", "text", "name"),
    [
        (INCIDENT_FORM, "it was (Operation Dream Job Two, then", "Operation Dream Job Two"),
        (
            INCIDENT_FORM,
            "(the Sony Pictures Bangladesh cyber-related hack.",
            "Sony Pictures Bangladesh cyber-related hack",
        ),
        (ACTOR_FORM, "as UNC12345.", "UNC12345"),
        (ACTOR_FORM, "as Storm-0530, then", "Storm-0530"),
        (ACTOR_FORM, "the (Velvet Chollima group", "Velvet Chollima"),
        (MALWARE_FORM, "the (RokRAT malware", "RokRAT"),
    ],
)
def test_the_longest_names_lie_in_their_stretches(
    pattern: re.Pattern[str], text: str, name: str
) -> None:
    windows_of = next(w for p, _, w in FORMS if p is pattern)
    assert windows_of is not None
    assert [m.group() for m in scan(pattern, text, windows_of(text))] == [name]


def test_forms_scanned_near_their_words_on_the_dev_corpus(dev_dir: Path) -> None:
    texts = [json.loads(p.read_text())["text"] for p in sorted(dev_dir.glob("*.json"))]
    scanned = 0
    for text in texts:
        for pattern, _, windows_of in FORMS:
            if windows_of is not None:
                windows = windows_of(text)
                scanned += sum(hi - lo for lo, hi in windows)
                found = [m.span() for m in scan(pattern, text, windows)]
                assert found == [m.span() for m in pattern.finditer(text)]
    assert 0 < scanned < sum(len(t) for t in texts)  # stretches, not the whole texts


def test_after_first_keeps_the_order_of_words_sharing_a_letter() -> None:
    pattern = re.compile(rf"[A-Z](?:{after_first('O|Oh|Kim')})\b")
    assert [m.group() for m in pattern.finditer("Oh O Kim Ko")] == ["Oh", "O", "Kim"]
    folded = re.compile(rf"[a-zA-Z](?:{after_first('late', fold=True)})")
    assert folded.fullmatch("Late") and folded.fullmatch("late") and not folded.fullmatch("Mate")


def test_every_sanctions_word_is_marked_as_a_trigger() -> None:
    """The sanction-event rule reads sanctions words from the trigger marks."""
    import spacy

    doc = spacy.blank("en")(" ".join(sorted(SANCTION_WORDS)))
    marks = Marks(doc)
    assert [doc[i].lower_ for i in marks.triggers] == sorted(SANCTION_WORDS)


_ARTICLE_PIECES = st.sampled_from(
    [
        *"the The THE a A an An AN another Anderson theatre Thé x".split(),
        *[" ", "  ", "\n", "\u00a0", "\t"],
    ]
)


@given(st.lists(_ARTICLE_PIECES, max_size=6))
def test_strip_article_is_the_substitution(pieces: list[str]) -> None:
    """Its test of the first letter skips the substitution only where it would change
    nothing."""
    text = "".join(pieces)
    assert strip_article(text) == re.sub(r"^(?:the|a|an)\s+", "", text, flags=re.I)
