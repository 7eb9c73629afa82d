"""Entity recognition: the catalogue of known names, names recognised by their form,
dates, and abbreviations defined in the text.

Each entity span is a ``doc.ents`` member whose label is the schema type and whose
``kb_id_`` is the entity key shared across documents (``kg.iri.entity_key``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from extract.dates import find_dates
from extract.patterns import START, after_first
from extract.tokens import doc_text, lower_forms
from kg.catalogue import Catalogue, CatalogueEntry
from kg.iri import entity_key
from kg.model import ENTITY_TYPES

#: labels of common trained pipelines -> the schema's types
MODEL_LABELS = {"ORG": "ORGANIZATION", "PERSON": "PERSON", "PER": "PERSON"}

_NAME = r"[A-Z][A-Za-z0-9&'’.-]*"
_WORD = r"[A-Z][A-Za-z0-9&'’-]*"
_ORG_SUFFIX = (
    r"(?:Company|Co\.|Corporation|Corp\.|Inc\.|Ltd\.?|Limited|LLC|Bank|Banking Corporation|"
    r"Trading|Technology|Technologies|Institute|Center|Centre|Agency|Bureau|Council|"
    r"Committee|Network|Foundation|University|Exchange|Analytics|Avionics|Systems|"
    r"Solutions|Holdings|Partners|Association|Commission|Authority|Hospital|Group|"
    r"Laboratory|Laboratories|Labs|Industries|Electronics|Aerospace|Logistics|Shipping|"
    r"Capital|Finance|Investment|Ventures|Consulting|Software|Services)"
)
_STOP_START = {
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
_NAME_REST = r"[A-Za-z0-9&'’.-]*"  # a _NAME after its first letter
ORG_FORM = re.compile(
    rf"{START}(?:{_NAME_REST}\s+(?:{_NAME}\s+){{0,4}}{_ORG_SUFFIX}"
    rf"(?:\s+(?:of|for)\s+(?:the\s+)?{_NAME}(?:\s+{_NAME}){{0,3}})?"
    rf"|(?:{after_first('Ministry|Department|Office|Bureau|Directorate')})\s+(?:of|for)\s+"
    rf"(?:the\s+)?{_WORD}(?:\s+(?:and\s+)?{_WORD}){{0,4}})"
)
KOREAN_SURNAMES = (
    "Kim|Lee|Yi|Ri|Rim|Park|Pak|Choi|Choe|Jang|Chang|Jon|Jeon|Han|Kang|Yun|Yoon|Cho|Jo|Ryu|Hong|"
    "Mun|Moon|Sim|Shin|Sin|Kwon|Ko|Song|O|Oh|Hwang|Ahn|An|So|Chon|Jong|Ju|Yang|Pyon|Hyon"
)
_TITLE_AFTER = (
    r"(?=,\s+(?:[A-Z][\w.]*[’']s\s+)?(?:the\s+)?(?:Under\s+)?"
    r"(?:Secretary|Minister|Director|Deputy|Chairman|Chair|Ambassador|President|Commissioner|"
    r"spokesperson|spokesman|official))"
)
_NAMED_AFTER = r"[a-z]+(?:\s+[A-Z][a-z]+){1,2}\b"  # a name of 2-3 words, first letter read
PERSON_FORM = re.compile(
    rf"{START}(?:(?:{after_first(KOREAN_SURNAMES)})\s+[A-Z][a-z]+(?:-[a-z]+)?\s+[A-Z][a-z]+\b"
    rf"|(?<=named [A-Z]){_NAMED_AFTER}"
    rf"|(?<=identified as [A-Z]){_NAMED_AFTER}"
    rf"|(?<=charged [A-Z]){_NAMED_AFTER}"
    rf"|(?<=indicted [A-Z]){_NAMED_AFTER}"
    r"|(?<=Mr\. [A-Z]|Ms\. [A-Z]|Dr\. [A-Z])[a-z]+(?:\s+[A-Z][a-z]+){0,2}\b"
    rf"|[a-z]+\s+[A-Z][a-z]+{_TITLE_AFTER})"
)
INCIDENT_FORM = re.compile(
    rf"{START}(?:(?<=O)peration\s+{_NAME}(?:\s+{_NAME}){{0,2}}"
    rf"|{_NAME_REST}\s+(?:{_NAME}\s+){{0,2}}(?:[a-z-]+\s+)?"
    r"(?:heist|hack|breach|intrusion|compromise|robbery|exploit|attack|campaign)\b)"
)
ACTOR_FORM = re.compile(
    rf"{START}(?:(?:(?<=A)PT ?\d{{1,3}}|(?<=T)A\d{{3,4}}|(?<=F)IN\d{{1,2}}|(?<=U)NC\d{{3,5}}"
    rf"|(?<=D)EV-\d{{4}}|(?<=S)torm-\d{{4}}|(?<=A)PT-C-\d{{1,3}})\b"
    r"|[a-z]+ (?:Panda|Kitten|Bear|Chollima|Spider|Typhoon|Blizzard|Sandstorm|Sleet|"
    r"Tempest|Leopard|Elephant)\b)"
)
MALWARE_FORM = re.compile(
    rf"{START}(?:[A-Za-z0-9]*[A-Z0-9][A-Za-z0-9]*|[a-z]{{2,}}[0-9]*)"
    r"(?= (?:malware|backdoor|RAT|[Tt]rojan|[Ll]oader|[Rr]ansomware|[Ss]tealer|botnet|dropper|"
    r"downloader|implant|wiper|rootkit|keylogger|infostealer|banker)\b)"
)
#: words that precede "malware" or "loader" without naming a family
NOT_MALWARE = {
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
ABBREVIATION = re.compile(r"\s*\((?P<abbr>[A-Z][A-Za-z0-9&-]{1,10})\)")


FORMS: tuple[tuple[re.Pattern[str], str], ...] = (
    (ORG_FORM, "ORGANIZATION"),
    (PERSON_FORM, "PERSON"),
    (INCIDENT_FORM, "INCIDENT"),
    (ACTOR_FORM, "THREAT_ACTOR"),
    (MALWARE_FORM, "MALWARE"),
)


def _short_forms(spans: list[Span]) -> list[Span]:
    """ "the Halvorsen Center" after "the Halvorsen Center for Asian Security": a name
    found by its form that starts another such name of the document is that entity."""
    long_names = [
        (len(s), s.text, s.kb_id_) for s in spans if s.label_ == "ORGANIZATION" and len(s) >= 3
    ]
    if not long_names:
        return spans
    result = []
    for span in spans:
        if span.label_ == "ORGANIZATION" and len(span) >= 2:
            prefix, key = span.text + " ", span.kb_id_
            for size, text, kb_id in long_names:
                if size > len(span) and text.startswith(prefix) and kb_id != key:
                    span = Span(span.doc, span.start, span.end, label=span.label_, kb_id=kb_id)
                    break
        result.append(span)
    return result


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


class CatalogueRuler:
    """Finds catalogue names, names by their form, dates and defined abbreviations."""

    def __init__(self, nlp: Language, name: str, *, catalogue: Catalogue) -> None:
        self.name = name
        self.nlp = nlp
        # a trained pipeline's entities are read only if one can have set them
        self.after_model = any(n in {"ner", "entity_ruler", "span_ruler"} for n in nlp.pipe_names)
        self.use_catalogue(catalogue)

    def use_catalogue(self, catalogue: Catalogue) -> None:
        """(Re)build the name matchers, e.g. with names imported from ATT&CK."""
        self.catalogue = catalogue
        self.entries: dict[str, CatalogueEntry] = {e.key: e for e in catalogue.entries}
        self.exact = PhraseMatcher(self.nlp.vocab, attr="ORTH")
        self.folded = PhraseMatcher(self.nlp.vocab, attr="LOWER")
        exact: dict[str, list[str]] = {}
        folded: dict[str, list[str]] = {}
        for entry in catalogue.entries:
            for alias in entry.names:
                target = exact if _case_sensitive(alias) else folded
                target.setdefault(entry.key, []).append(alias)
        self.modifiers = _sector_modifiers(catalogue)
        tokenizer = self.nlp.tokenizer
        for key, aliases in exact.items():
            self.exact.add(key, [tokenizer(a) for a in aliases])
        for key, aliases in folded.items():
            self.folded.add(key, [tokenizer(a) for a in aliases])

    def __call__(self, doc: Doc) -> Doc:
        model_spans = self._model_spans(doc) if self.after_model else []
        if model_spans:
            doc.ents = ()
        spans = list(self._catalogue_spans(doc))
        spans += self._coordinated_sectors(doc)
        spans += self._dates(doc)
        spans += self._forms(doc, spans)
        chosen = _short_forms(filter_spans(spans))
        chosen += self._abbreviations(doc, chosen)
        taken = {i for s in chosen for i in range(s.start, s.end)}
        chosen += [s for s in model_spans if not taken & set(range(s.start, s.end))]
        doc.ents = filter_spans(chosen)
        return doc

    def _model_spans(self, doc: Doc) -> list[Span]:
        """Entities a trained pipeline found before us, in the schema's types."""
        spans = []
        for ent in doc.ents:
            etype = MODEL_LABELS.get(ent.label_, ent.label_)
            if etype in ENTITY_TYPES and etype != "DATE":
                key = entity_key(etype, strip_article(ent.text))
                spans.append(Span(doc, ent.start, ent.end, label=etype, kb_id=key))
        return spans

    def _catalogue_spans(self, doc: Doc) -> Iterable[Span]:
        for matcher in (self.exact, self.folded):
            for match_id, start, end in matcher(doc):
                key = doc.vocab.strings[match_id]
                yield Span(doc, start, end, label=self.entries[key].type, kb_id=key)
        yield from self._korean_government(doc)

    def _coordinated_sectors(self, doc: Doc) -> list[Span]:
        """ "the defense and aerospace industries": each modifier is a sector of its own."""
        spans = []
        low = lower_forms(doc)
        for position, word in enumerate(low):
            if word not in SECTOR_HEADS or position < 3:
                continue
            head = doc[position]
            i = head.i - 1
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
                end = head.i + 1 if n == 0 else idx + 1
                key = self.modifiers[low[idx]]
                spans.append(Span(doc, idx, end, label="SECTOR", kb_id=key))
        return spans

    def _korean_government(self, doc: Doc) -> Iterable[Span]:
        """ "the Korean and the U.S. governments": "Korean" alone is the ROK when it
        qualifies a government and no "North" precedes it."""
        low = lower_forms(doc)
        for i, word in enumerate(low):
            if word != "korean" or doc[i].text != "Korean":
                continue
            if i and low[i - 1] in {"north", "south"}:
                continue
            window = low[i + 1 : i + 6]
            if (
                window
                and window[0] in {"and", "government", "governments"}
                and any(w.startswith("government") for w in window)
            ):
                yield Span(doc, i, i + 1, label="STATE", kb_id="state/south-korea")

    def _dates(self, doc: Doc) -> list[Span]:
        spans = []
        for d in find_dates(doc_text(doc)):
            span = doc.char_span(d.start, d.end, alignment_mode="expand")
            if span is not None:
                spans.append(
                    Span(doc, span.start, span.end, label="DATE", kb_id=f"date/{d.iso.lower()}")
                )
        return spans

    def _forms(self, doc: Doc, known: list[Span]) -> list[Span]:
        """Names not in the catalogue, recognised by their form."""
        spans: list[Span] = []
        text = doc_text(doc)
        taken = {i for k in known for i in range(k.start, k.end)}
        for pattern, label in FORMS:
            for m in pattern.finditer(text):
                start, end = _trim(text, *m.span())
                span = doc.char_span(start, end, alignment_mode="contract")
                if span is None or len(span) == 0 or span[0].text in _STOP_START:
                    continue
                if label == "INCIDENT" and not any(t.is_title for t in span[:-1]):
                    continue
                if label == "MALWARE" and span.text.lower() in NOT_MALWARE:
                    continue
                if not taken.isdisjoint(range(span.start, span.end)):
                    continue  # a known name wins over a name guessed from its form
                key = entity_key(label, strip_article(span.text))
                spans.append(Span(doc, span.start, span.end, label=label, kb_id=key))
                taken.update(range(span.start, span.end))
        return spans

    def _abbreviations(self, doc: Doc, spans: list[Span]) -> list[Span]:
        """ "Long Name (LN)": every later "LN" is the same entity as "Long Name"."""
        defined: dict[str, Span] = {}
        text = doc_text(doc)
        for span in spans:
            m = ABBREVIATION.match(text, span.end_char)
            if m and m.group("abbr") not in defined:
                defined[m.group("abbr")] = span
        if not defined:
            return []
        taken = {i for s in spans for i in range(s.start, s.end)}
        found = []
        wanted = {a.lower() for a in defined}
        for i, word in enumerate(lower_forms(doc)):
            if word not in wanted or i in taken:
                continue
            tok = doc[i]
            long_form = defined.get(tok.text)
            if long_form is not None:
                found.append(
                    Span(doc, tok.i, tok.i + 1, label=long_form.label_, kb_id=long_form.kb_id_)
                )
        return found


SECTOR_HEADS = {
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
            words = alias.lower().split()
            if len(words) == 2 and words[1] in SECTOR_HEADS:
                found.setdefault(words[0], entry.key)
    return found


def strip_article(text: str) -> str:
    return re.sub(r"^(?:the|a|an)\s+", "", text, flags=re.I)
