"""Entity recognition: the catalogue of known names, names recognised by their form,
dates, and abbreviations defined in the text.

Each entity span is a ``doc.ents`` member whose label is the schema type and whose
``kb_id_`` is the entity key shared across documents (``kg.iri.entity_key``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Final

from spacy.language import Language
from spacy.tokens import Doc

from extract.dates import find_dates
from extract.mentions import Found, set_entities
from extract.patterns import (
    START,
    Window,
    after_first,
    chunks_after,
    chunks_before,
    merge_windows,
    occurrences,
    scan,
)
from extract.tokens import Offsets, lower_forms, offsets
from kg.catalogue import Catalogue
from kg.iri import entity_key
from kg.model import ENTITY_TYPES

#: labels of common trained pipelines -> the schema's types
MODEL_LABELS: Final = {"ORG": "ORGANIZATION", "PERSON": "PERSON", "PER": "PERSON"}

_NAME: Final = r"[A-Z][A-Za-z0-9&'’.-]*+"
_WORD: Final = r"[A-Z][A-Za-z0-9&'’-]*+"
_ORG_SUFFIX: Final = (
    r"(?:Company|Co\.|Corporation|Corp\.|Inc\.|Ltd\.?|Limited|LLC|Bank|Banking Corporation|"
    r"Trading|Technology|Technologies|Institute|Center|Centre|Agency|Bureau|Council|"
    r"Committee|Network|Foundation|University|Exchange|Analytics|Avionics|Systems|"
    r"Solutions|Holdings|Partners|Association|Commission|Authority|Hospital|Group|"
    r"Laboratory|Laboratories|Labs|Industries|Electronics|Aerospace|Logistics|Shipping|"
    r"Capital|Finance|Investment|Ventures|Consulting|Software|Services)"
)
_STOP_START: Final = {
    "The",
    "A",
    "An",
    "In",
    "On",
    "At",
    "For",
    "By",
    "Of",
    "And",
    "But",
    "Its",
    "It",
    "This",
    "That",
    "These",
    "Those",
    "Since",
    "After",
    "Before",
    "While",
    "When",
    "Under",
    "With",
    "According",
    "Both",
    "Each",
    "Some",
    "Many",
    "Most",
    "All",
    "Other",
    "Such",
    "Their",
}
# Each form opens with a capital that begins a word, read by a character class so that
# the regex engine can skip to candidates (see extract.patterns).
_NAME_REST: Final = r"[A-Za-z0-9&'’.-]*+"  # a _NAME after its first letter
ORG_FORM: Final = re.compile(
    # (?=[A-Z]): every suffix is capitalised, and the names before one are tried
    # against all of them at each word they could end at
    rf"{START}(?:{_NAME_REST}\s+(?:{_NAME}\s+){{0,4}}(?=[A-Z]){_ORG_SUFFIX}"
    rf"(?:\s+(?:of|for)\s+(?:the\s+)?{_NAME}(?:\s+{_NAME}){{0,3}})?"
    rf"|(?:{after_first('Ministry|Department|Office|Bureau|Directorate')})\s+(?:of|for)\s+"
    rf"(?:the\s+)?{_WORD}(?:\s+(?:and\s+)?{_WORD}){{0,4}})"
)
KOREAN_SURNAMES: Final = (
    "Kim|Lee|Yi|Ri|Rim|Park|Pak|Choi|Choe|Jang|Chang|Jon|Jeon|Han|Kang|Yun|Yoon|Cho|Jo|Ryu|Hong|"
    "Mun|Moon|Sim|Shin|Sin|Kwon|Ko|Song|O|Oh|Hwang|Ahn|An|So|Chon|Jong|Ju|Yang|Pyon|Hyon"
)
_TITLE_AFTER: Final = (
    r"(?=,\s+(?:[A-Z][\w.]*[’']s\s+)?(?:the\s+)?(?:Under\s+)?"
    r"(?:Secretary|Minister|Director|Deputy|Chairman|Chair|Ambassador|President|Commissioner|"
    r"spokesperson|spokesman|official))"
)
_NAMED_AFTER: Final = r"[a-z]++(?:\s+[A-Z][a-z]++){1,2}\b"  # a name of 2-3 words, first letter read
# Most of the forms need the capitalised word to be followed by another: checked once
# (the rest of the word, a space, a capital) before the alternatives that need it.
PERSON_FORM: Final = re.compile(
    rf"{START}(?:(?=[a-z]*+\s+[A-Z])"
    rf"(?:(?:{after_first(KOREAN_SURNAMES)})\s+[A-Z][a-z]++(?:-[a-z]++)?\s+[A-Z][a-z]++\b"
    rf"|(?<=named [A-Z]){_NAMED_AFTER}"
    rf"|(?<=identified as [A-Z]){_NAMED_AFTER}"
    rf"|(?<=charged [A-Z]){_NAMED_AFTER}"
    rf"|(?<=indicted [A-Z]){_NAMED_AFTER})"
    r"|(?<=Mr\. [A-Z]|Ms\. [A-Z]|Dr\. [A-Z])[a-z]+(?:\s+[A-Z][a-z]+){0,2}\b"
    rf"|[a-z]++\s+[A-Z][a-z]++{_TITLE_AFTER})"
)
_INCIDENT_WORDS: Final = (
    "heist",
    "hack",
    "breach",
    "intrusion",
    "compromise",
    "robbery",
    "exploit",
    "attack",
    "campaign",
)
INCIDENT_FORM: Final = re.compile(
    rf"{START}(?:(?<=O)peration\s+{_NAME}(?:\s+{_NAME}){{0,2}}"
    rf"|{_NAME_REST}\s+(?:{_NAME}\s+){{0,2}}(?:[a-z-]+\s+)?"
    rf"(?:{'|'.join(_INCIDENT_WORDS)})\b)"
)
#: how actor IDs begin ("APT38", "TA444", "Storm-0530"), and where they end at the latest
_ACTOR_IDS: Final = ("APT", "TA", "FIN", "UNC", "DEV-", "Storm-")
_ACTOR_ID_REACH: Final = 12
_ACTOR_ANIMALS: Final = (
    "Panda",
    "Kitten",
    "Bear",
    "Chollima",
    "Spider",
    "Typhoon",
    "Blizzard",
    "Sandstorm",
    "Sleet",
    "Tempest",
    "Leopard",
    "Elephant",
)
ACTOR_FORM: Final = re.compile(
    rf"{START}(?:(?:(?<=A)PT ?\d{{1,3}}|(?<=T)A\d{{3,4}}|(?<=F)IN\d{{1,2}}|(?<=U)NC\d{{3,5}}"
    rf"|(?<=D)EV-\d{{4}}|(?<=S)torm-\d{{4}}|(?<=A)PT-C-\d{{1,3}})\b"
    rf"|[a-z]+ (?:{'|'.join(_ACTOR_ANIMALS)})\b)"
)
_MALWARE_WORDS: Final = (
    "malware",
    "backdoor",
    "RAT",
    "Trojan",
    "trojan",
    "Loader",
    "loader",
    "Ransomware",
    "ransomware",
    "Stealer",
    "stealer",
    "botnet",
    "dropper",
    "downloader",
    "implant",
    "wiper",
    "rootkit",
    "keylogger",
    "infostealer",
    "banker",
)
MALWARE_FORM: Final = re.compile(
    rf"{START}(?:[a-z]*+[A-Z0-9][A-Za-z0-9]*+|[a-z]{{2,}}+[0-9]*+)"
    rf"(?= (?:{'|'.join(_MALWARE_WORDS)})\b)"
)
#: words that precede "malware" or "loader" without naming a family
NOT_MALWARE: Final = {
    "android",
    "windows",
    "linux",
    "macos",
    "ios",
    "python",
    "powershell",
    "java",
    "javascript",
    "office",
    "excel",
    "word",
    "new",
    "custom",
    "first",
    "second",
    "this",
    "that",
    "the",
    "mobile",
    "banking",
    "commodity",
    "destructive",
    "initial",
    "final",
    "dotnet",
    "golang",
    "rust",
    "go",
    "vba",
    "html",
    "pdf",
    "lnk",
    "dll",
    "exe",
    "shellcode",
    "memory",
    "file",
}
ABBREVIATION: Final = re.compile(r"\s*\((?P<abbr>[A-Z][A-Za-z0-9&-]{1,10})\)")


def _incident_windows(text: str) -> list[Window]:
    """Around "Operation" and the three names after it, and around each incident word
    and the four words before it."""
    spans = [
        (start, chunks_after(text, end, 3) + 1) for start, end in occurrences(text, ("Operation",))
    ]
    spans += [
        (chunks_before(text, start, 4), end + 1)
        for start, end in occurrences(text, _INCIDENT_WORDS)
    ]
    return merge_windows(spans)


def _actor_windows(text: str) -> list[Window]:
    """Around the beginnings of actor IDs, and each animal name and the word before."""
    spans = [(start, start + _ACTOR_ID_REACH) for start, _ in occurrences(text, _ACTOR_IDS)]
    for start, end in occurrences(text, _ACTOR_ANIMALS):
        spans.append((chunks_before(text, start, 1), end + 1))
    return merge_windows(spans)


def _malware_windows(text: str) -> list[Window]:
    """Around each family word and the word before it."""
    return merge_windows(
        [
            (chunks_before(text, start, 1), end + 1)
            for start, end in occurrences(text, _MALWARE_WORDS)
        ]
    )


#: each form with its type, and the stretches of a text that hold all of its names if
#: they can be told (see extract.patterns), or else None: the whole text is scanned
FORMS: Final[tuple[tuple[re.Pattern[str], str, Callable[[str], list[Window]] | None], ...]] = (
    (ORG_FORM, "ORGANIZATION", None),
    (PERSON_FORM, "PERSON", None),
    (INCIDENT_FORM, "INCIDENT", _incident_windows),
    (ACTOR_FORM, "THREAT_ACTOR", _actor_windows),
    (MALWARE_FORM, "MALWARE", _malware_windows),
)


def _short_forms(spans: list[Found], view: Offsets) -> list[Found]:
    """ "the Halvorsen Center" after "the Halvorsen Center for Asian Security": a name
    found by its form that starts another such name of the document is that entity."""
    # the longer names by each of their beginnings that end before a space
    by_beginning: dict[str, list[tuple[int, str]]] = {}
    for start, end, label, key in spans:
        if label == "ORGANIZATION" and end - start >= 3:
            text = view.span_text(start, end)
            for space in [i for i, c in enumerate(text) if c == " "]:
                by_beginning.setdefault(text[: space + 1], []).append((end - start, key))
    if not by_beginning:
        return spans
    result = []
    for span in spans:
        start, end, label, key = span
        if label == "ORGANIZATION" and end - start >= 2:
            longer = by_beginning.get(view.span_text(start, end) + " ", [])
            for size, other in longer:
                if size > end - start and other != key:
                    span = (start, end, label, other)
                    break
        result.append(span)
    return result


def filter_found(spans: list[Found]) -> list[Found]:
    """``spacy.util.filter_spans`` for :data:`Found` tuples of a token or more: of
    overlapping spans the (first) longest wins; the result is in text order.

    Spans are taken longest first, then leftmost, then as given (the stable sort by
    (size, -start) in reverse), each ordered by one int that says all three: sorting
    ints is a C comparison each, while sorting tuples compares them item by item, and
    that was 60% of the work here (callgrind).
    """
    count = len(spans)
    if not count:
        return []
    width = 0
    for span in spans:
        width = max(width, span[1])
    width += 1  # every token position is below it
    ordered: list[int] = []
    for i, span in enumerate(spans):
        ordered.append(((width - span[1] + span[0]) * width + span[0]) * count + i)
    ordered.sort()
    taken = [False] * width
    kept: list[int] = []  # by start, then as given: the spans kept do not overlap
    for k in ordered:
        i = k % count
        start, end = spans[i][0], spans[i][1]
        if not taken[start] and not taken[end - 1]:
            kept.append(start * count + i)
            for token in range(start, end):
                taken[token] = True
    kept.sort()
    return [spans[k % count] for k in kept]


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Leading words such as "The" or "According" are not part of a name; a final full
    stop is, only in "Co."."""
    while True:
        first = text[start:end].split(" ", 1)
        if len(first) == 2 and first[0] in _STOP_START:
            start += len(first[0]) + 1
        else:
            break
    if text[start:end].endswith(".") and not text[start:end].endswith("Co."):
        end -= 1
    return start, end


def _case_sensitive(alias: str) -> bool:
    """Short capitalised names ("US", "NIS", "Snake") must keep their case to be names."""
    words = alias.split()
    return (len(words) == 1 and alias[:1].isupper()) or any(
        w.isupper() and len(w) > 1 for w in words
    )


class _Node:
    """A word of a name in :class:`NameMatcher`'s trie: the words that can follow it, and
    the names that end with it (their words as written if they must match in case, else
    None; their entries' types and keys)."""

    def __init__(self) -> None:
        self.next: dict[str, _Node] = {}
        self.names: list[tuple[tuple[str, ...] | None, str, str]] = []


class NameMatcher:
    """Every occurrence of every catalogue name among a doc's tokens: what two spaCy
    PhraseMatchers find, one on ``ORTH`` for the names that keep their case and one on
    ``LOWER`` for the rest, in the order they give (case-kept names first; by start,
    then end). Where two entries share a name, the first in the catalogue comes first.

    It walks a trie of the names' lower-case words over the lower-case forms the rules
    have made already: a dict lookup a token. A PhraseMatcher reads every token's
    attribute through spaCy's accessors and looks up a callback for every match in the
    StringStore: the two took about 1,100 instructions a token between them (callgrind,
    23k words), a twentieth of all extraction.
    """

    def __init__(self, tokenizer: Callable[[str], Doc], catalogue: Catalogue) -> None:
        self.root = _Node()
        seen: set[tuple[tuple[str, ...], bool, str]] = set()
        for entry in catalogue.entries:
            for alias in entry.names:
                tokens = tokenizer(alias)
                lowered = tuple(t.lower_ for t in tokens)
                written = tuple(t.text for t in tokens) if _case_sensitive(alias) else None
                # a PhraseMatcher holds a key's pattern once, however often it is added
                seen_as = (written or lowered, written is not None, entry.key)
                if not lowered or seen_as in seen:
                    continue
                seen.add(seen_as)
                node = self.root
                for word in lowered:
                    node = node.next.setdefault(word, _Node())
                node.names.append((written, entry.type, entry.key))

    def __call__(self, view: Offsets, low: list[str]) -> list[Found]:
        kept_case: list[Found] = []
        folded: list[Found] = []
        n = len(low)
        root = self.root.next
        for start in range(n):
            node = root.get(low[start])
            end = start + 1
            while node is not None:
                for written, etype, key in node.names:
                    if written is None:
                        folded.append((start, end, etype, key))
                    elif all(view.token_text(start + j) == w for j, w in enumerate(written)):
                        kept_case.append((start, end, etype, key))
                if end == n:
                    break
                node = node.next.get(low[end])
                end += 1
        return kept_case + folded


_HASHES_KEPT: Final = 200_000


class CatalogueRuler:
    """Finds catalogue names, names by their form, dates and defined abbreviations."""

    def __init__(self, nlp: Language, name: str, *, catalogue: Catalogue) -> None:
        self.name = name
        self.nlp = nlp
        # a trained pipeline's entities are read only if one can have set them
        self.after_model = any(n in {"ner", "entity_ruler", "span_ruler"} for n in nlp.pipe_names)
        self.hashes: dict[str, int] = {}  # labels and keys -> their StringStore hashes
        self.use_catalogue(catalogue)

    def use_catalogue(self, catalogue: Catalogue) -> None:
        """(Re)build the name matcher, e.g. with names imported from ATT&CK."""
        self.catalogue = catalogue
        self.modifiers = _sector_modifiers(catalogue)
        self.names = NameMatcher(self.nlp.tokenizer, catalogue)

    def __call__(self, doc: Doc) -> Doc:
        model_spans = self._model_spans(doc) if self.after_model else []
        if model_spans:
            doc.ents = ()
        view = offsets(doc)
        low = lower_forms(doc)
        spans = self._catalogue_spans(doc, view, low)
        spans += self._coordinated_sectors(low)
        spans += self._dates(view)
        spans += self._forms(view, spans)
        chosen = _short_forms(filter_found(spans), view)
        chosen += self._abbreviations(view, low, chosen)
        taken = {i for s in chosen for i in range(s[0], s[1])}
        chosen += [s for s in model_spans if not taken & set(range(s[0], s[1]))]
        if len(self.hashes) > _HASHES_KEPT:
            self.hashes.clear()
        set_entities(doc, filter_found(chosen), self.hashes)
        return doc

    def _model_spans(self, doc: Doc) -> list[Found]:
        """Entities a trained pipeline found before us, in the schema's types."""
        spans = []
        for ent in doc.ents:
            etype = MODEL_LABELS.get(ent.label_, ent.label_)
            if etype in ENTITY_TYPES and etype != "DATE":
                key = entity_key(etype, strip_article(ent.text))
                spans.append((ent.start, ent.end, etype, key))
        return spans

    def _catalogue_spans(self, doc: Doc, view: Offsets, low: list[str]) -> list[Found]:
        return self.names(view, low) + self._korean_government(view, low)

    def _coordinated_sectors(self, low: list[str]) -> list[Found]:
        """ "the defense and aerospace industries": each modifier is a sector of its own."""
        spans = []
        for position, word in enumerate(low):
            if word not in SECTOR_HEADS or position < 3:
                continue
            i = position - 1
            group: list[int] = []
            while i >= 0 and low[i] in self.modifiers:
                group.append(i)
                i -= 1
                skipped = 0
                while i >= 0 and skipped < 2 and low[i] in {"and", "or", ","}:
                    i -= 1
                    skipped += 1
                if not skipped:
                    break
            if len(group) < 2:
                continue
            for n, idx in enumerate(group):
                end = position + 1 if n == 0 else idx + 1
                spans.append((idx, end, "SECTOR", self.modifiers[low[idx]]))
        return spans

    def _korean_government(self, view: Offsets, low: list[str]) -> list[Found]:
        """ "the Korean and the U.S. governments": "Korean" alone is the ROK when it
        qualifies a government and no "North" precedes it."""
        found: list[Found] = []
        for i, word in enumerate(low):
            if word != "korean" or view.token_text(i) != "Korean":
                continue
            if i and low[i - 1] in {"north", "south"}:
                continue
            window = low[i + 1 : i + 6]
            if (
                window
                and window[0] in {"and", "government", "governments"}
                and any(w.startswith("government") for w in window)
            ):
                found.append((i, i + 1, "STATE", "state/south-korea"))
        return found

    def _dates(self, view: Offsets) -> list[Found]:
        spans = []
        for d in find_dates(view.text):
            span = view.char_span(d.start, d.end, expand=True)
            if span is not None:
                spans.append((*span, "DATE", f"date/{str.lower(d.iso)}"))
        return spans

    def _forms(self, view: Offsets, known: list[Found]) -> list[Found]:
        """Names not in the catalogue, recognised by their form."""
        spans: list[Found] = []
        text = view.text
        taken = {i for k in known for i in range(k[0], k[1])}
        for pattern, label, windows_of in FORMS:
            windows = [(0, len(text))] if windows_of is None else windows_of(text)
            for m in scan(pattern, text, windows):
                # (arguments named one by one: compiled, a call with * goes through
                # Python's generic call)
                first, last = _trim(text, m.start(), m.end())
                span = view.char_span(first, last, expand=False)
                if span is None:
                    continue
                start, end = span
                if end == start or view.token_text(start) in _STOP_START:
                    continue
                if label == "INCIDENT" and not any(
                    view.token_text(i).istitle() for i in range(start, end - 1)
                ):
                    continue
                name = view.span_text(start, end)
                if label == "MALWARE" and str.lower(name) in NOT_MALWARE:
                    continue
                if not taken.isdisjoint(range(start, end)):
                    continue  # a known name wins over a name guessed from its form
                spans.append((start, end, label, entity_key(label, strip_article(name))))
                taken.update(range(start, end))
        return spans

    def _abbreviations(self, view: Offsets, low: list[str], spans: list[Found]) -> list[Found]:
        """ "Long Name (LN)": every later "LN" is the same entity as "Long Name"."""
        defined: dict[str, Found] = {}
        text = view.text
        for span in spans:
            end = view.ends[span[1] - 1]
            # the regex only after a "(" past the white space (\s is str.isspace): a
            # match call costs more than reading the few characters, and most names
            # have none
            paren = end
            while paren < len(text) and text[paren].isspace():
                paren += 1
            if paren == len(text) or text[paren] != "(":
                continue
            m = ABBREVIATION.match(text, end)
            if m and m.group("abbr") not in defined:
                defined[m.group("abbr")] = span
        if not defined:
            return []
        taken = {i for s in spans for i in range(s[0], s[1])}
        found = []
        wanted = {str.lower(a) for a in defined}
        for i, word in enumerate(low):
            if word not in wanted or i in taken:
                continue
            long_form = defined.get(view.token_text(i))
            if long_form is not None:
                found.append((i, i + 1, long_form[2], long_form[3]))
        return found


SECTOR_HEADS: Final = {
    "industry",
    "industries",
    "sector",
    "sectors",
    "companies",
    "firms",
    "organisations",
    "organizations",
}


def _sector_modifiers(catalogue: Catalogue) -> dict[str, str]:
    """ "defense" -> the defense sector, from aliases such as "defense industry"."""
    found: dict[str, str] = {}
    for entry in catalogue.entries:
        if entry.type != "SECTOR":
            continue
        for alias in entry.names:
            words = str.lower(alias).split()
            if len(words) == 2 and words[1] in SECTOR_HEADS:
                found.setdefault(words[0], entry.key)
    return found


_ARTICLE: Final = re.compile(r"^(?:the|a|an)\s+", re.I)


def strip_article(text: str) -> str:
    # most names begin with no article: only "t" and "a" begin one, in either case (no
    # other character matches them case-insensitively), and the test costs far less
    # than the substitution
    if not text or text[0] not in "tTaA":
        return text
    return _ARTICLE.sub("", text)
