"""Per-doc token forms computed once: rule code asks for them often, and every
``doc[i]`` builds a new Token object."""

from __future__ import annotations

from typing import Final, final

from spacy.attrs import IDX, LENGTH, SENT_START
from spacy.tokens import Doc

from extract.mentions import ENTS_KEY

LOWER_KEY: Final = "kg.lower"
TEXT_KEY: Final = "kg.text"
OFFSETS_KEY: Final = "kg.offsets"
SENTS_KEY: Final = "kg.sents"


def lower_forms(doc: Doc) -> list[str]:
    """Lower-case forms of the doc's tokens (spaCy's ``LOWER``: ``str.lower``), cached in
    ``doc.user_data`` until ``forget`` (the cache must not travel with the doc between
    processes).

    Cut from the lower-cased text: a StringStore lookup per token costs more than the
    rest of the work.
    """
    cached = doc.user_data.get(LOWER_KEY)
    if cached is None or len(cached) != len(doc):
        view = offsets(doc)
        text = view.text
        # str.lower: compiled by mypyc, the method call gives no final sigma (compiled.py)
        lowered = str.lower(text)
        # lower-casing is character by character but for a capital sigma (final or not
        # by what follows it) and for "İ", which becomes two characters
        # (indexed rather than zipped: compiled, zip is Python's iterator protocol)
        starts, ends = view.starts, view.ends
        if len(lowered) == len(text) and "\u03a3" not in text:
            cached = [lowered[starts[k] : ends[k]] for k in range(len(starts))]
        else:
            cached = [str.lower(text[starts[k] : ends[k]]) for k in range(len(starts))]
        doc.user_data[LOWER_KEY] = cached
    return cached  # type: ignore[no-any-return]


def doc_text(doc: Doc) -> str:
    """The doc's text: as ``extract.tokenizer.TextKeepingTokenizer`` left it, or else
    ``doc.text`` (joined from its tokens anew on every read), cached like
    :func:`lower_forms`."""
    cached = doc.user_data.get(TEXT_KEY)
    if cached is None:
        cached = doc.user_data[TEXT_KEY] = doc.text
    return cached  # type: ignore[no-any-return]


def forget(doc: Doc) -> None:
    """Drop what the pipeline left in ``doc.user_data`` for its own components."""
    doc.user_data.pop(ENTS_KEY, None)
    doc.user_data.pop(LOWER_KEY, None)
    doc.user_data.pop(TEXT_KEY, None)
    doc.user_data.pop(OFFSETS_KEY, None)
    doc.user_data.pop(SENTS_KEY, None)


class Offsets:
    """Where each token of a doc stands in its text, as plain lists: rules that work in
    token positions get the text and character offsets of a span without building Span
    or Token objects (each costs about a microsecond and reads tokens of its own)."""

    def __init__(self, doc: Doc) -> None:
        self.text = doc_text(doc)
        starts, lengths = doc.to_array([IDX, LENGTH]).T
        self.starts: list[int] = starts.tolist()
        self.ends: list[int] = (starts + lengths).tolist()

    def span_text(self, start: int, end: int) -> str:
        """The text of tokens [start, end) (without the last one's trailing space)."""
        return self.text[self.starts[start] : self.ends[end - 1]] if end > start else ""

    def token_text(self, i: int) -> str:
        return self.text[self.starts[i] : self.ends[i]]

    def char_span(self, start_char: int, end_char: int, *, expand: bool) -> tuple[int, int] | None:
        """The tokens [start, end) that characters [start_char, end_char) cover, as
        ``Doc.char_span`` aligns them: partly covered tokens are in if ``expand``, out
        if not ("contract"); None where no tokens are."""
        start = self._token_at(start_char)
        end = self._token_at(end_char - 1)
        if start < 0 or end < 0:
            return None
        if expand:
            if start_char == self.ends[start]:
                start += 1  # in the trailing space of the token before
        else:
            if self.starts[start] < start_char:
                start += 1
            if end_char < self.ends[end]:
                end -= 1
            if end < start:
                return None
        return start, end + 1

    def _token_at(self, char: int) -> int:
        """The token whose text or trailing space holds character ``char``, or -1."""
        if char < 0 or char >= len(self.text) or not self.starts:
            return -1
        return count_at_most(self.starts, char) - 1


def offsets(doc: Doc) -> Offsets:
    """The doc's :class:`Offsets`, cached like :func:`lower_forms`."""
    cached = doc.user_data.get(OFFSETS_KEY)
    if cached is None or len(cached.starts) != len(doc):
        cached = doc.user_data[OFFSETS_KEY] = Offsets(doc)
    return cached  # type: ignore[no-any-return]


@final
class Sentence:
    """A sentence as the rules read it: tokens [start, end), characters [start_char,
    end_char) of ``doc``'s text, as ``doc.sents`` gives them.

    A Span costs about 4,000 instructions to make (it makes two Tokens to find its
    characters) and reads each field through a Python property; this class, compiled,
    neither."""

    def __init__(self, doc: Doc, start: int, end: int, start_char: int, end_char: int) -> None:
        self.doc = doc
        self.start = start
        self.end = end
        self.start_char = start_char
        self.end_char = end_char


def sentences(doc: Doc) -> list[Sentence]:
    """``doc.sents``, cached like :func:`lower_forms`."""
    return _sentences(doc)[0]


def sentence_at(doc: Doc, position: int) -> Sentence:
    """The sentence holding token ``position``: what ``doc[position].sent`` gives, without
    a Token, and without the check of the whole doc for sentence starts that each
    ``Span.sent`` makes."""
    spans, starts = _sentences(doc)
    return spans[count_at_most(starts, position) - 1]


def _sentences(doc: Doc) -> tuple[list[Sentence], list[int]]:
    """The doc's sentences and where each starts, cached until :func:`forget`."""
    cached = doc.user_data.get(SENTS_KEY)
    if cached is None or not cached[0] or cached[0][-1].end != len(doc):
        view = offsets(doc)
        if "sents" in doc.user_hooks or not doc.has_annotation("SENT_START"):
            # a hook's sentences, or the error doc.sents raises for none
            bounds = [(s.start, s.end) for s in doc.sents]
        elif len(doc):
            # where doc.sents starts one: the first token and each sentence start after
            flags = doc.to_array(SENT_START)
            firsts = [0, *((flags[1:] == 1).nonzero()[0] + 1).tolist()]
            bounds = list(zip(firsts, [*firsts[1:], len(doc)], strict=True))
        else:
            bounds = []
        spans = [Sentence(doc, s, e, view.starts[s], view.ends[e - 1]) for s, e in bounds]
        cached = doc.user_data[SENTS_KEY] = (spans, [s.start for s in spans])
    return cached  # type: ignore[no-any-return]


# bisect_left and bisect_right for the sorted token positions the rules search: compiled
# here, as a call into the bisect module is a Python call from the compiled rules


def count_below(values: list[int], x: int) -> int:
    """How many of the sorted ``values`` are below ``x`` (``bisect_left``)."""
    lo, hi = 0, len(values)
    while lo < hi:
        mid = (lo + hi) // 2
        if values[mid] < x:
            lo = mid + 1
        else:
            hi = mid
    return lo


def count_at_most(values: list[int], x: int) -> int:
    """How many of the sorted ``values`` are ``x`` or below (``bisect_right``)."""
    lo, hi = 0, len(values)
    while lo < hi:
        mid = (lo + hi) // 2
        if values[mid] <= x:
            lo = mid + 1
        else:
            hi = mid
    return lo
