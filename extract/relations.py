"""Relation extraction anchored on trigger words, constrained by the schema's types.

A sentence with a trigger ("targeted", "a unit of", "sanctioned", "to fund") and entities of
the right types around it states a relation: the subject is the nearest allowed entity
before the trigger (with the entities coordinated with it), the objects are the allowed
entities after it up to a clause boundary. "by" after a passive trigger swaps the sides.
Negation cues before the trigger mark the relation negated; hedges lower its confidence.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from itertools import pairwise
from typing import Final, final

from spacy.tokens import Doc

from extract.mentions import Ent, entities_of
from extract.tokens import (
    Sentence,
    count_at_most,
    count_below,
    offsets,
    sentence_at,
    sentences,
)
from extract.tokens import lower_forms as _low
from kg.model import RELATION_SCHEMA


@dataclass(frozen=True)
class Trigger:
    words: tuple[str, ...]
    predicates: tuple[str, ...]
    order: str = "active"  # "active", "passive" or "either"
    subject_types: frozenset[str] | None = None  # narrower than the schema's, if set


def _t(
    phrases: str, predicates: str, order: str = "active", subjects: str | None = None
) -> list[Trigger]:
    narrow = frozenset(subjects.split()) if subjects else None
    return [
        Trigger(tuple(p.split()), tuple(predicates.split()), order, narrow)
        for p in phrases.split("|")
        if p
    ]


TRIGGERS: Final[list[Trigger]] = [
    *_t(
        "target|targets|targeted|targeting|attack|attacks|attacked|attacking|hit|hits|compromised|"
        "breached|hacked|infiltrated|penetrated|went after|gone after|go after|goes after|"
        "going after|"
        "focus on|focused on|focuses on|focus|concentrated on|concentrates on|concentrate on|"
        "concentrated|probed|struck|victimized|victimised|preyed on|preys on|stole from|robbed|"
        "aimed at|directed against|campaign against|operations against|attacks on|attacks against|"
        "intrusion at|intrusions at|intrusion into|intrusions into|spied on|pursue|pursues|"
        "pursued|hitting|extended|expanded|sought|seeks|seek|encrypt|encrypted|extorted from|"
        "victims|victim|victimizing|against|breach of|intrusion|hack of|compromise of|"
        "went on to target|turned to",
        "targets",
    ),
    *_t(
        "specialises in|specializes in|specialised in|specialized in|specialising in|"
        "specializing in|carried out|carries out|carry out|conducted|conducts|conduct|runs|run|"
        "delivers|delivered|delivering|"
        "engaged in|engages in|went on to",
        "targets uses",
    ),
    *_t(
        "carried out|carries out|conducted|launched|staged|perpetrated|mounted|"
        "was responsible for|were responsible for|is responsible for|claimed",
        "attributedTo",
        "either",
        "INCIDENT",
    ),
    *_t(
        "use|uses|used|using|deploy|deploys|deployed|deploying|employ|employs|employed|"
        "relied on|relies on|rely on|relying on|combines|combined|combining|leverage|leverages|"
        "leveraged|turned to|resorted to|harvest|harvests|harvested|launder|launders|laundered|"
        "laundering|through|via|by means of",
        "uses",
    ),
    *_t(
        "unit of|units of|subgroup of|subgroups of|sub-group of|element of|elements of|arm of|"
        "part of|division of|branch of|cluster of|unit under|subordinate to|controlled by|run by|"
        "operated by|directed by|reports to|answers to|belongs to|under the|within the|"
        "affiliated with|subordinate element of|an element of|component of",
        "partOf",
    ),
    *_t(
        "attributed|attribute|attributes|attributed to|linked to|linked by|tied to|blamed on|"
        "blamed|responsible for|"
        "was behind|were behind|is behind|are behind|behind the|took part in|takes part in|"
        "carried out by|conducted by|perpetrated by|orchestrated by|committed by|the work of",
        "attributedTo",
        "either",
    ),
    *_t(
        "support|supports|supported|sustain|sustains|fund|funds|funded|funding|finance|finances|financed|financing|bankroll|bankrolls|"
        "bankrolled|pay for|pays for|paid for|earn money for|earns money for|revenue for|"
        "money for|proceeds|secure funds for|raise funds for|raise money for|generate revenue",
        "funds",
        "either",
    ),
    *_t(
        "sanction|sanctions|sanctioned|sanctioning|designate|designates|designated|designating|"
        "designation|designations|blacklisted|blacklists|sanctions list",
        "sanctions",
    ),
    *_t(
        "cooperation|cooperate|cooperates|cooperated|cooperating|coordination|coordinate|"
        "contributions from|in partnership with|jointly with|"
        "coordinated with|partnered with|partners in|partnership|jointly|joint|together with|"
        "together|worked with|working with|alliance|meetings|talks",
        "cooperatesWith",
        "either",
    ),
    *_t(
        "based in|located in|registered in|headquartered in|operating from|operates from|"
        "operating out of|in",
        "locatedIn",
    ),
]
PASSIVE_FORMS: Final = {
    "targeted",
    "attacked",
    "hit",
    "compromised",
    "breached",
    "hacked",
    "infiltrated",
    "penetrated",
    "probed",
    "struck",
    "used",
    "deployed",
    "employed",
    "leveraged",
    "sanctioned",
    "designated",
    "blacklisted",
    "funded",
    "financed",
    "bankrolled",
    "victimized",
    "victimised",
    "harvested",
    "laundered",
}
BOUNDARIES: Final = frozenset(
    "; while whereas but although though however which who that saying after before when".split()
)
NEGATIONS: Final = (
    ("whether",),
    ("no", "indication"),
    ("no", "evidence"),
    ("not",),
    ("never",),
    ("no",),
    ("denied",),
    ("denies",),
    ("unable",),
    ("without",),
    ("nor",),
    ("neither",),
    ("cannot",),
    ("n't",),
    ("unconfirmed",),
    ("ruled", "out"),
)
HEDGES: Final = (
    ("reportedly",),
    ("allegedly",),
    ("alleged",),
    ("believed",),
    ("suspected",),
    ("may",),
    ("might",),
    ("possibly",),
    ("likely",),
    ("probably",),
    ("some", "researchers"),
    ("commonly", "associated"),
    ("widely", "linked"),
    ("widely", "attributed"),
    ("thought", "to"),
    ("apparently",),
    ("could",),
    ("assessed", "with", "low"),
)
SOURCE_CUES: Final = (("according", "to"),)
SOURCE_VERBS: Final = {
    "said",
    "says",
    "reported",
    "reports",
    "assess",
    "assessed",
    "assesses",
    "stated",
    "announced",
    "alleged",
    "concluded",
    "found",
    "warned",
}


def _sentence(doc: Doc, ent: Ent) -> Sentence:
    """The sentence of ``ent``: the one of its first token, as ``Span.sent`` finds it."""
    return sentence_at(doc, ent.start)


@final
class FoundRelation:
    """A relation a rule found: its sides, the sentence stating it, and how sure it is.

    A class rather than a NamedTuple for the reason :class:`extract.mentions.Ent` is.
    """

    def __init__(
        self,
        subject: Ent,
        predicate: str,
        obj: Ent,
        sentence: Sentence,
        confidence: float,
        negated: bool,
        according_to: Ent | None,
    ) -> None:
        self.subject = subject
        self.predicate = predicate
        self.object = obj
        self.sentence = sentence
        self.confidence = confidence
        self.negated = negated
        self.according_to = according_to


ANAPHORS: Final[dict[tuple[str, ...], frozenset[str]]] = {
    ("they",): frozenset({"THREAT_ACTOR"}),
    ("the", "group"): frozenset({"THREAT_ACTOR"}),
    ("the", "groups"): frozenset({"THREAT_ACTOR"}),
    ("the", "two", "groups"): frozenset({"THREAT_ACTOR"}),
    ("the", "three", "groups"): frozenset({"THREAT_ACTOR"}),
    ("these", "groups"): frozenset({"THREAT_ACTOR"}),
    ("the", "bureau"): frozenset({"THREAT_ACTOR"}),
    ("the", "unit"): frozenset({"THREAT_ACTOR"}),
    ("the", "actor"): frozenset({"THREAT_ACTOR"}),
    ("the", "actors"): frozenset({"THREAT_ACTOR"}),
    ("the", "hackers"): frozenset({"THREAT_ACTOR"}),
    ("the", "operators"): frozenset({"THREAT_ACTOR"}),
    ("the", "cluster"): frozenset({"THREAT_ACTOR"}),
    ("it",): frozenset({"THREAT_ACTOR", "ORGANIZATION"}),
    ("the", "regime"): frozenset({"STATE"}),
    ("the", "campaign"): frozenset({"INCIDENT"}),
    ("the", "operation"): frozenset({"INCIDENT"}),
    ("the", "heist"): frozenset({"INCIDENT"}),
    ("the", "hack"): frozenset({"INCIDENT"}),
    ("the", "department"): frozenset({"ORGANIZATION"}),
    ("the", "ministry"): frozenset({"ORGANIZATION"}),
}
PAREN_STARTS: Final = frozenset(
    "a an the another one also which who whose working known tracked then now itself acting "
    "operating likely reportedly all both each hacking including".split()
)
RELATIVIZERS: Final = {"that", "which", "who"}
_ADVERBS: Final = frozenset(
    "also mainly primarily chiefly largely mostly has have had is are was were been in "
    "particular reportedly allegedly repeatedly since then later often still".split()
)


def sentences_with_entities(doc: Doc, ents: list[Ent]) -> list[tuple[Sentence, list[Ent]]]:
    """Each sentence with the entities inside it."""
    result = []
    i = 0
    for sent in sentences(doc):
        while i < len(ents) and ents[i].start < sent.start:
            i += 1
        j = i
        while j < len(ents) and ents[j].end <= sent.end:
            j += 1
        result.append((sent, ents[i:j]))
        i = j
    return result


_BY_FIRST: Final[dict[str, list[Trigger]]] = {}
for _trigger in TRIGGERS:
    _BY_FIRST.setdefault(_trigger.words[0], []).append(_trigger)
_ANAPHOR_FIRSTS: Final = frozenset(words[0] for words in ANAPHORS)
#: by their first two words ("" for one-word anaphors); no anaphor's words begin another's
_ANAPHORS_BY_START: Final[dict[tuple[str, str], list[tuple[tuple[str, ...], frozenset[str]]]]] = {}
for _words, _types in ANAPHORS.items():
    _ANAPHORS_BY_START.setdefault((_words[0], "".join(_words[1:2])), []).append((_words, _types))
_CLAUSE_BREAKS: Final = frozenset({";", "while", "whereas", "but", "although"})


def _by_first(cues: tuple[tuple[str, ...], ...]) -> dict[str, list[tuple[str, ...]]]:
    index: dict[str, list[tuple[str, ...]]] = {}
    for cue in cues:
        index.setdefault(cue[0], []).append(cue)
    return index


_NEGATIONS_BY_FIRST: Final = _by_first(NEGATIONS)
_HEDGES_BY_FIRST: Final = _by_first(HEDGES)
# what a word can be to the rules, as bits: one dict lookup a token tells them all
_TRIGGER: Final = 1
_ANAPHOR: Final = 2
_BOUNDARY: Final = 4
_BREAK: Final = 8
_COMMA: Final = 16
_NEGATION: Final = 32
_HEDGE: Final = 64


def _kinds() -> dict[str, int]:
    groups: list[tuple[Iterable[str], int]] = [
        (_BY_FIRST, _TRIGGER),
        (_ANAPHOR_FIRSTS, _ANAPHOR),
        (BOUNDARIES, _BOUNDARY),
        (_CLAUSE_BREAKS, _BREAK),
        ({","}, _COMMA),
        (_NEGATIONS_BY_FIRST, _NEGATION),
        (_HEDGES_BY_FIRST, _HEDGE),
    ]
    kinds: dict[str, int] = {}
    for words, kind in groups:
        for word in words:
            kinds[word] = kinds.get(word, 0) | kind
    return kinds


_KINDS: Final = _kinds()
_NONE: Final = 1 << 62  # "no such cue": beyond any token position


class Marks:
    """Where the words the rules ask about stand in one doc (triggers, anaphors, clause
    boundaries, commas, negation and hedging cues), found in one pass over its tokens.

    The rules ask about them for every trigger; scanning the sentence's tokens each time
    was most of the cost of extraction.
    """

    def __init__(self, doc: Doc) -> None:
        low = self.low = _low(doc)
        self.triggers: list[int] = []
        self.anaphors: list[int] = []
        self.boundaries: list[int] = []
        self.breaks: list[int] = []
        self.commas: list[int] = []
        self.negations: list[tuple[int, int]] = []  # (start, end) of each cue
        self.hedges: list[tuple[int, int]] = []
        for i, w in enumerate(low):
            kinds = _KINDS.get(w, 0)
            if not kinds:
                continue
            if kinds & _TRIGGER:
                self.triggers.append(i)
            if kinds & _ANAPHOR:
                self.anaphors.append(i)
            if kinds & _BOUNDARY:
                self.boundaries.append(i)
            if kinds & _BREAK:
                self.breaks.append(i)
            if kinds & _COMMA:
                self.commas.append(i)
            if kinds & _NEGATION:
                for cue in _NEGATIONS_BY_FIRST[w]:
                    if tuple(low[i : i + len(cue)]) == cue:
                        self.negations.append((i, i + len(cue)))
            if kinds & _HEDGE:
                for cue in _HEDGES_BY_FIRST[w]:
                    if tuple(low[i : i + len(cue)]) == cue:
                        self.hedges.append((i, i + len(cue)))

    def negation_end(self, start: int, end: int) -> int:
        """Where the first negation cue inside tokens [start, end) ends (``_NONE`` if
        there is none): a trigger at or after it is denied."""
        return _first_cue_end(self.negations, start, end)

    def confidence(self, start: int, end: int) -> float:
        """The confidence of what tokens [start, end) state: lower if a hedging cue
        ("reportedly", "is believed to") stands among them."""
        return 0.5 if _first_cue_end(self.hedges, start, end) <= end else 0.9

    def polarity(self, sent: Sentence, at: int) -> tuple[bool, float]:
        """Whether a cue in ``sent`` before token ``at`` denies what is stated there, and
        the sentence's confidence."""
        negated = self.negation_end(sent.start, sent.end) <= at
        return negated, self.confidence(sent.start, sent.end)


def _first_cue_end(cues: list[tuple[int, int]], start: int, end: int) -> int:
    first = _NONE
    lo, hi = 0, len(cues)  # to the first cue starting at or after start (count_below)
    while lo < hi:
        mid = (lo + hi) // 2
        if cues[mid][0] < start:
            lo = mid + 1
        else:
            hi = mid
    for k in range(lo, len(cues)):  # no copy of the list's tail
        cue_start, cue_end = cues[k]
        if cue_start >= end:
            break
        if cue_end <= end:
            first = min(first, cue_end)
    return first


def find_relations(
    doc: Doc,
    ents: list[Ent] | None = None,
    marks: Marks | None = None,
    sentences: list[tuple[Sentence, list[Ent]]] | None = None,
) -> list[FoundRelation]:
    """Every relation the sentences of ``doc`` state, by the rules above (``marks`` and
    ``sentences``: as the caller has already computed them)."""
    found: list[FoundRelation] = []
    by_first = _BY_FIRST
    history: list[list[Ent]] = []
    all_ents = entities_of(doc) if ents is None else ents
    marks = marks or Marks(doc)
    low = marks.low
    for sent, ents in sentences or sentences_with_entities(doc, all_ents):
        starts = _within(marks.anaphors, sent.start, sent.end)
        here = _anaphors(sent, ents, history, starts, low) if starts else []
        mentions = sorted(ents + here, key=lambda e: e.start) if here else ents
        if ents:
            history = [*history[-2:], ents]
        if len(mentions) < 2:
            continue
        triggers = _within(marks.triggers, sent.start, sent.end)
        if not triggers:
            continue
        context = _Context(sent, mentions, marks, ents, bool(here))
        for i in triggers:
            if context.covers(i):
                continue
            for trig in by_first[low[i]]:
                end = _match_trigger(low, i, sent.end, trig.words)
                if end is not None and context.may_state(trig, i, end):
                    found.extend(_apply(trig, i, end, context))
    return _dedupe(found)


def _within(positions: list[int], start: int, end: int) -> list[int]:
    """The sorted ``positions`` that fall in tokens [start, end)."""
    return positions[count_below(positions, start) : count_below(positions, end)]


class _Context:
    """What every trigger of one sentence shares."""

    def __init__(
        self, sent: Sentence, mentions: list[Ent], marks: Marks, ents: list[Ent], anaphors: bool
    ) -> None:
        self.sent = sent
        self.start, self.end = sent.start, sent.end
        self.low = marks.low
        self.ents = ents
        self.mentions = mentions
        self.starts = [e.start for e in mentions]
        ends = [e.end for e in mentions]
        # names do not overlap, so their ends are in order too and the mentions before a
        # position are a slice; should an anaphor overlap a name, filter one by one
        in_order = not anaphors or all(a <= b for a, b in pairwise(ends))
        self.ends = ends if in_order else None
        self.parenthetical = _parenthetical(sent, ents, marks)
        self.negation_end = marks.negation_end(self.start, self.end)
        self.confidence = marks.confidence(self.start, self.end)
        self.boundaries = _within(marks.boundaries, self.start, self.end)
        self.breaks = _within(marks.breaks, self.start, self.end)
        self._source: Ent | None = None
        self._source_known = False

    def may_state(self, trig: Trigger, start: int, end: int) -> bool:
        """False where the trigger at tokens [start, end) cannot state a relation, checked
        before the rules run: most "in" stand between no two names (the rule for "in" in
        :func:`_active` needs one right before it and one right after), and an active
        trigger with no mention after it has no object (but "uses", whose object may
        stand before "which")."""
        if trig.order != "active" or "uses" in trig.predicates:
            return True
        if self.starts[-1] < end:
            return False
        if trig.words != ("in",):
            return True
        first = _in_object_start(end, self.low)
        k = count_below(self.starts, first)
        if k == len(self.starts) or self.starts[k] != first:
            return False
        return any(e.end == start for e in self.mentions[:k])

    @property
    def source(self) -> Ent | None:
        """Who the sentence cites (found once: not every sentence asks)."""
        if not self._source_known:
            self._source = _source(self.sent, self.ents, self.low)
            self._source_known = True
        return self._source

    def covers(self, position: int) -> bool:
        """Whether a mention covers token ``position``."""
        if self.ends is None:
            return any(e.start <= position < e.end for e in self.mentions)
        k = count_at_most(self.starts, position) - 1
        return k >= 0 and position < self.ends[k]

    def clause_start(self, position: int) -> int:
        """Just after the last clause break (";", "while", "but") before ``position``."""
        k = count_below(self.breaks, position)
        return self.breaks[k - 1] + 1 if k else self.start

    def before(self, clause_start: int, position: int) -> list[Ent]:
        """Mentions inside tokens [clause_start, position)."""
        if self.ends is None:
            return [e for e in self.mentions if e.end <= position and e.start >= clause_start]
        lo = count_below(self.starts, clause_start)
        return self.mentions[lo : max(lo, count_at_most(self.ends, position))]

    def after(self, position: int, stop: int) -> list[Ent]:
        """Mentions starting inside tokens [position, stop)."""
        return self.mentions[count_below(self.starts, position) : count_below(self.starts, stop)]


def _anaphors(
    sent: Sentence, ents: list[Ent], history: list[list[Ent]], starts: list[int], low: list[str]
) -> list[Ent]:
    """ "the group", "it", "the regime": the nearest earlier entity of a fitting type, in
    this sentence or the one before. ``starts``: where the sentence has a word that can
    begin one."""
    view = offsets(sent.doc)
    found: list[Ent] = []
    ent_starts = [e.start for e in ents]
    for position in starts:
        for words, types in _anaphors_at(low, position, sent.end):
            k = count_at_most(ent_starts, position) - 1
            if k >= 0 and position < ents[k].end:
                break  # the word is part of a name
            end = position + len(words)
            # a token after the anaphor in its sentence is no sentence start
            if end < sent.end and view.token_text(end).istitle():
                continue  # "the group Lazarus": a name follows, no anaphor
            previous = history[-1] if history else []
            candidates = [e for e in previous + ents if e.end <= position and e.label in types]
            if words[-1] == "groups":
                found.extend(
                    Ent(position, end, a.label, a.key)
                    for a in _plural_antecedent(history, ents, position, types, low)
                )
                continue
            if candidates:
                ante = candidates[-1]
                found.append(Ent(position, end, ante.label, ante.key))
    return found


def _anaphors_at(
    low: list[str], position: int, limit: int
) -> list[tuple[tuple[str, ...], frozenset[str]]]:
    """The anaphors whose words stand at ``position`` (ending by ``limit``)."""
    first = low[position]
    candidates = _ANAPHORS_BY_START.get((first, ""), [])
    if position + 1 < limit:
        candidates = candidates + _ANAPHORS_BY_START.get((first, low[position + 1]), [])
    found = []
    for words, types in candidates:
        end = position + len(words)
        if end <= limit and tuple(low[position:end]) == words:
            found.append((words, types))
    return found


def is_anaphor(span: Ent, low: list[str]) -> bool:
    """Whether the mention is "the group", "it" and the like rather than a name (``low``:
    the doc's lower-case forms)."""
    # most mentions are names: their first word begins no anaphor
    return (
        span.end > span.start
        and low[span.start] in _ANAPHOR_FIRSTS
        and tuple(low[span.start : span.end]) in ANAPHORS
    )


def _plural_antecedent(
    history: list[list[Ent]], ents: list[Ent], before: int, types: frozenset[str], low: list[str]
) -> list[Ent]:
    """ "the three groups": the latest list of two or more such entities."""
    for sentence in [[e for e in ents if e.end <= before], *reversed(history)]:
        rest = list(reversed(sentence))
        while rest:
            group = _first_group(rest, types, low, forward=False)
            if len({e.key for e in group}) >= 2:
                return group
            if not group:
                break
            rest = [e for e in rest if e.end <= group[-1].start]
    return []


def _parenthetical(sent: Sentence, ents: list[Ent], marks: Marks) -> frozenset[int]:
    """Token positions inside ", another Lazarus subgroup," asides, which hold no subject."""
    commas = _within(marks.commas, sent.start, sent.end)
    if len(commas) < 2:
        return frozenset()
    low = marks.low
    inside: set[int] = set()
    in_ent = {i for e in ents for i in range(e.start, e.end)}
    name_ends = {e.end for e in ents if e.label != "DATE"}
    for first, second in pairwise(commas):
        if not 2 <= second - first - 1 <= 16 or low[first + 1] not in PAREN_STARTS:
            continue
        if _name_end_before(low, first, sent.start) not in name_ends:
            continue  # an aside follows a name: "Andariel, another Lazarus subgroup,"
        words = [
            i
            for i in range(first + 1, second)
            if i not in in_ent and low[i] not in {"a", "an", "the"}
        ]
        if words and not (second + 1 < len(low) and low[second + 1] in {"and", "or"}):
            inside.update(range(first + 1, second))
    return frozenset(inside)


def _name_end_before(low: list[str], comma: int, floor: int) -> int:
    """Where the word before ``comma`` ends, looking past a "(RGB)" abbreviation."""
    end = comma
    if end - 1 > floor and low[end - 1] == ")":
        while end - 1 > floor and low[end - 1] != "(":
            end -= 1
        end -= 1
    return end


def _apply(trig: Trigger, start: int, end: int, ctx: _Context) -> list[FoundRelation]:
    """The relations the trigger at tokens [start, end) states in its sentence."""
    low, sent = ctx.low, ctx.sent
    passive = (
        trig.order == "active"
        and low[end - 1] in PASSIVE_FORMS
        and end < sent.end
        and low[end] == "by"
    )
    before = ctx.before(ctx.clause_start(start), start)
    boundary = count_below(ctx.boundaries, end)
    stop = ctx.boundaries[boundary] if boundary < len(ctx.boundaries) else sent.end
    after = ctx.after(end, stop)
    negated = ctx.negation_end <= start
    results = []
    for predicate in trig.predicates:
        subjects_ok, objects_ok = RELATION_SCHEMA[predicate]
        subjects_ok = trig.subject_types or subjects_ok
        if trig.order == "either":
            pairs = _either(before, after, subjects_ok, objects_ok, predicate, end, ctx)
        elif passive:
            subjects = _first_group(after, subjects_ok, low, forward=True)
            objects = _first_group(before[::-1], objects_ok, low, forward=False)
            if not objects and subjects:
                rest = [e for e in after if e.start > subjects[-1].end]
                if rest and low[rest[0].start - 1] in {"on", "against"}:
                    objects = _first_group(rest, objects_ok, low, forward=True)
            pairs = [(s, o) for s in subjects for o in objects]
        else:
            pairs = _active(trig, start, end, ctx, predicate, before, after)
        for s, o in pairs:
            if s.key == o.key:
                continue
            results.append(
                FoundRelation(s, predicate, o, sent, ctx.confidence, negated, ctx.source)
            )
    return results


NOUN_TRIGGERS: Final = {"sanction", "sanctions", "designation", "designations", "sanctions list"}
NOUN_LINKS: Final = {"on", "against", "of", "targeting", "for"}
_NOUN_TRIGGER_WORDS: Final = {tuple(t.split()) for t in NOUN_TRIGGERS}


def _active(
    trig: Trigger,
    start: int,
    end: int,
    ctx: _Context,
    predicate: str,
    before: list[Ent],
    after: list[Ent],
) -> list[tuple[Ent, Ent]]:
    low = ctx.low
    subjects_ok, objects_ok = RELATION_SCHEMA[predicate]
    aside = ctx.parenthetical
    outside = [e for e in before if e.start not in aside] if aside else before
    subjects = _relative_subject(start, outside, subjects_ok, low)
    if subjects is None:
        subjects = _subject_group(outside[::-1], subjects_ok, low)
    if not subjects:
        subjects = _possessor(after, subjects_ok, low)
    objects = [e for e in after if e.label in objects_ok]
    if trig.words in _NOUN_TRIGGER_WORDS:
        link = low[end : end + 2]
        if not objects or not any(w in NOUN_LINKS for w in link):
            return []
    if not objects and predicate == "uses":
        objects = _relative_object(subjects, ctx.mentions, objects_ok, low)
    if predicate in {"partOf", "locatedIn"}:
        objects = [o for o in objects if not _possessive(o, low)][:1]
    if predicate == "sanctions":
        objects = _first_group(
            [o for o in after if not _possessive(o, low)], objects_ok, low, forward=True
        )
    if trig.words == ("in",):
        adjacent = [s for s in subjects if s.end == start]
        first = _in_object_start(end, low)
        if not objects or objects[0].start != first or not adjacent:
            return []
        subjects = [s for s in adjacent if s.label != "THREAT_ACTOR"]
    return [(s, o) for s in subjects for o in objects]


def _in_object_start(end: int, low: list[str]) -> int:
    """Where the name after "in" must start: right after it, or after "in the"."""
    return end + 1 if end < len(low) and low[end] == "the" else end


def _possessive(span: Ent, low: list[str]) -> bool:
    return span.end < len(low) and low[span.end] in {"'s", "’s", "’", "'"}


def _relative_object(
    subjects: list[Ent], mentions: list[Ent], allowed: frozenset[str], low: list[str]
) -> list[Ent]:
    """ "IT worker fraud, which the DPRK uses": the object stands before "which"."""
    if not subjects:
        return []
    i = subjects[0].start - 1
    while i >= 0 and low[i] in {"the", "a", "an"}:
        i -= 1
    if i < 1 or low[i] not in {"which", "that"}:
        return []
    j = i - 1 if low[i - 1] == "," else i
    return [m for m in mentions if m.end == j and m.label in allowed]


def _relative_subject(
    start: int, before: list[Ent], allowed: frozenset[str], low: list[str]
) -> list[Ent] | None:
    """ "X is a unit of Y that targets Z": the relative clause is about X, not Y."""
    i = start - 1
    while i >= 0 and low[i] in _ADVERBS:
        i -= 1
    if i < 0 or low[i] not in RELATIVIZERS:
        return None
    nearest = [e for e in before if e.end <= i]
    if not nearest:
        return None
    head = nearest[-1]
    if head.start >= 1 and low[head.start - 1] in {"of", "to"}:
        firsts = [e for e in before if e.label in allowed and e.end <= head.start]
        return firsts[:1]
    if head.label not in allowed:
        return None
    return _first_group(nearest[::-1], allowed, low, forward=False)


def _after_to(ent: Ent, low: list[str]) -> bool:
    i = ent.start - 1
    if i > 0 and low[i] == "the":
        i -= 1
    return i >= 0 and low[i] in {"to", "for"}


def _close(after: list[Ent], trigger_end: int) -> bool:
    """The first entity after the trigger follows it within a few words."""
    return bool(after) and after[0].start - trigger_end <= 4


def _either(
    before: list[Ent],
    after: list[Ent],
    subjects_ok: frozenset[str],
    objects_ok: frozenset[str],
    predicate: str,
    trigger_end: int,
    ctx: _Context,
) -> list[tuple[Ent, Ent]]:
    """Symmetric-ish triggers ("linked to", "fund", "cooperation"): types decide the sides."""
    low = ctx.low
    if predicate == "cooperatesWith":
        near = _first_group(before[::-1], subjects_ok, low, forward=False)
        far = (
            _first_group(after, objects_ok, low, forward=True) if _close(after, trigger_end) else []
        )
        far += [
            e
            for e in after
            if e not in far and e.label in objects_ok and low[e.start - 1] == "with"
        ]
        pairs = [(near[i], near[j]) for i in range(len(near)) for j in range(i + 1, len(near))]
        return pairs + [(s, o) for s in near for o in far]
    if predicate == "attributedTo":
        kinds = subjects_ok | objects_ok
        left = _first_group(before[::-1], kinds, low, forward=False)
        skip = ctx.parenthetical
        gap = [i for i in range(left[0].end, trigger_end) if i not in skip] if left else []
        if left and len(gap) > 8:
            left = []  # too far back to be what the trigger is about
        right = _first_group(after, kinds, low, forward=True)
        right += [e for e in after if e not in right and e.label in kinds and _after_to(e, low)]
        both = left + right
        return [
            (a, b) for a in both for b in both if a.label in subjects_ok and b.label in objects_ok
        ]
    everything = before + after
    subjects = [e for e in everything if e.label in subjects_ok]
    objects = [e for e in everything if e.label in objects_ok]
    return [(s, o) for s in subjects for o in objects]


APPOSITIVE_HEADS: Final = frozenset(
    "state-backed state-sponsored espionage agency organ service unit units group groups arm "
    "bureau directorate element subgroup cluster actor hackers outfit team teams apparatus "
    "division".split()
)


def find_appositive_parts(
    doc: Doc, ents: list[Ent] | None = None, marks: Marks | None = None
) -> list[FoundRelation]:
    """Asides and copulas that state membership or location:
    "the RGB, a North Korean intelligence agency" / "APT37 is the North Korean espionage
    group" -> partOf; "Riverbend, a community hospital in the United States" / "a
    Seoul-based organisation" -> locatedIn."""
    found: list[FoundRelation] = []
    ents = entities_of(doc) if ents is None else ents
    low = marks.low if marks is not None else _low(doc)
    n = len(low)
    starts = [e.start for e in ents]
    view = offsets(doc)
    for ent in ents:
        if ent.label not in {"THREAT_ACTOR", "ORGANIZATION", "PERSON"}:
            continue
        k = ent.end
        if k < n and low[k] == "(":
            while k < n and low[k] != ")":
                k += 1
            k += 1
        if k + 1 >= n or low[k] not in {",", "is", "was", "remains"}:
            continue
        if low[k + 1] not in {"a", "an", "the", "another", "one", "its"}:
            continue
        stop = k + 1
        # the token's exact text, read from the offsets: doc[stop] makes a Token each time
        while stop < min(n, k + 14) and view.token_text(stop) not in _ASIDE_ENDS:
            stop += 1
        # the names after k that end by stop (in order and not overlapping: a slice)
        first = count_at_most(starts, k)
        last = first
        while last < len(ents) and ents[last].end <= stop:
            last += 1
        inside = ents[first:last]
        found.extend(_aside_part(doc, ent, inside, low, k, stop))
        found.extend(_aside_location(doc, ent, inside, low, k))
    return found


_ASIDE_ENDS: Final = frozenset({",", ".", ";", "(", "which"})


def find_owned_actors(doc: Doc, ents: list[Ent], marks: Marks | None = None) -> list[FoundRelation]:
    """ "North Korea's Reconnaissance General Bureau", "the RGB of the DPRK": a state or
    organisation owning an actor by possessive or by "of"."""
    low = marks.low if marks is not None else _low(doc)
    found = []
    owners = {"STATE", "ORGANIZATION", "THREAT_ACTOR"}
    for i, actor in enumerate(ents):
        if actor.label != "THREAT_ACTOR":
            continue
        owner = _possessor_before(ents, i, owners)
        if owner is not None:
            between = low[owner.end : actor.start]
            if (
                between[:1] in (["'s"], ["’s"])
                and len(between) <= 4
                and all(w.isalpha() or w in {"'s", "’s", "-"} for w in between)
            ):
                found.append(_owned(doc, actor, owner))
                continue
        k = actor.end
        if k < len(doc) and low[k] == "(":
            while k < len(doc) and low[k] != ")":
                k += 1
            k += 1
        if k < len(doc) and low[k] == "of":
            k += 1 + (k + 1 < len(doc) and low[k + 1] == "the")
            j = i + 1  # the name starting at k, if one does (names do not overlap)
            while j < len(ents) and ents[j].start < k:
                j += 1
            if j < len(ents) and ents[j].start == k and ents[j].label in owners:
                if not _possessive(ents[j], low):
                    found.append(_owned(doc, actor, ents[j]))
    return found


def _possessor_before(ents: list[Ent], i: int, owners: set[str]) -> Ent | None:
    """The nearest name before ``ents[i]`` of an owner's type and another key, if it ends
    close enough to own it ("North Korea's Reconnaissance General Bureau": four words at
    most between); None otherwise."""
    actor = ents[i]
    for j in range(i - 1, -1, -1):
        e = ents[j]
        if e.end < actor.start - 4:
            return None  # names do not overlap: every earlier one ends before this
        if e.label in owners and e.key != actor.key:
            return e
    return None


def find_agent_uses(doc: Doc, ents: list[Ent], marks: Marks | None = None) -> list[FoundRelation]:
    """ "a spear-phishing effort by Kimsuky", "seen Kimsuky harvest webmail credentials":
    the actor next to the technique uses it."""
    marks = marks or Marks(doc)
    low = marks.low
    found = []
    actors = {"THREAT_ACTOR", "STATE"}
    for i, ent in enumerate(ents):
        if ent.label not in {"TECHNIQUE", "MALWARE"}:
            continue
        following = ents[i + 1] if i + 1 < len(ents) else None
        gap = low[ent.end : following.start] if following is not None else []
        if following is not None and following.label in actors and "by" in gap and len(gap) <= 3:
            sent = _sentence(doc, ent)
            negated, confidence = marks.polarity(sent, ent.start)
            found.append(FoundRelation(following, "uses", ent, sent, confidence, negated, None))
            continue
        preceding = ents[i - 1] if i else None
        if (
            preceding is not None
            and preceding.label in actors
            and preceding.end == ent.start
            and low[ent.start] in {"harvest", "harvests", "steal", "steals", "launder", "launders"}
        ):
            sent = _sentence(doc, ent)
            negated, confidence = marks.polarity(sent, ent.start)
            found.append(FoundRelation(preceding, "uses", ent, sent, confidence, negated, None))
    return found


def _owned(doc: Doc, actor: Ent, owner: Ent) -> FoundRelation:
    return FoundRelation(actor, "partOf", owner, _sentence(doc, actor), 0.9, False, None)


def _aside_part(
    doc: Doc, actor: Ent, inside: list[Ent], low: list[str], k: int, stop: int
) -> list[FoundRelation]:
    if actor.label != "THREAT_ACTOR":
        return []
    for owner in inside:
        if owner.label not in {"STATE", "ORGANIZATION", "THREAT_ACTOR"}:
            continue
        heads = set(low[owner.end : stop])
        lead = low[k + 1 : owner.start]
        of_owner = bool(set(lead) & APPOSITIVE_HEADS) and "of" in lead[-2:]
        if heads & APPOSITIVE_HEADS or of_owner:
            return [_owned(doc, actor, owner)]
    return []


def _aside_location(
    doc: Doc, subject: Ent, inside: list[Ent], low: list[str], k: int
) -> list[FoundRelation]:
    for place in inside:
        if place.label not in {"STATE", "REGION"}:
            continue
        prev = low[place.start - 1]
        nxt = low[place.end] if place.end < len(low) else ""
        based = nxt in {"-", "based"} or (prev == "in" and subject.label != "THREAT_ACTOR")
        if based:
            sent = _sentence(doc, subject)
            return [FoundRelation(subject, "locatedIn", place, sent, 0.9, False, None)]
    return []


PREPOSITIONS: Final = frozenset("in to at from against on of across with into within over".split())


def _first_group(
    ordered: list[Ent], allowed: frozenset[str], low: list[str], *, forward: bool
) -> list[Ent]:
    """The nearest allowed entity and those coordinated with it ("X, Y and Z")."""
    group: list[Ent] = []
    for ent in ordered:
        label = ent.label
        if label == "STATE" and _modifier(ent, ordered, low):
            continue  # "U.S. Treasury": the state only qualifies the name after it
        if label not in allowed:
            if group:
                break
            continue
        if group and not _coordinated(group[-1], ent, low, forward=forward):
            break
        group.append(ent)
    return group


def _subject_group(ordered: list[Ent], allowed: frozenset[str], low: list[str]) -> list[Ent]:
    """Like ``_first_group`` backwards, but a group behind a preposition ("to Japan,
    Vietnam and the Middle East") is a complement, not the subject: look further back."""
    rest = ordered
    while rest:
        group = _first_group(rest, allowed, low, forward=False)
        if not group:
            return []
        leftmost = group[-1]
        before = low[leftmost.start - 1] if leftmost.start else ""
        if before == "the" and leftmost.start > 1:
            before = low[leftmost.start - 2]
        if before not in PREPOSITIONS:
            return group
        rest = [e for e in rest if e.end <= leftmost.start]
    return []


_QUALIFIED: Final = frozenset({"ORGANIZATION", "THREAT_ACTOR", "PERSON"})


def _modifier(ent: Ent, ordered: list[Ent], low: list[str]) -> bool:
    """A state right before a named organisation qualifies it: "U.S. Treasury"."""
    possessive = ent.end < len(low) and low[ent.end] in {"'s", "’s"}
    follows = ent.end + 1 if possessive else ent.end
    return any(o.start == follows and o.label in _QUALIFIED and o.key != ent.key for o in ordered)


_BETWEEN_COORDINATED: Final = frozenset({",", "and", "or", "the", "as", "well", "(", ")", "with"})


def _coordinated(a: Ent, b: Ent, low: list[str], *, forward: bool) -> bool:
    first, second = (a, b) if forward else (b, a)
    between = low[first.end : second.start]
    return len(between) <= 4 and all(w in _BETWEEN_COORDINATED for w in between)


def _possessor(after: list[Ent], allowed: frozenset[str], low: list[str]) -> list[Ent]:
    """ "A focus of North Korea's operations ... on X": the possessive or "of" subject."""
    for ent in after[:2]:
        nxt = low[ent.end] if ent.end < len(low) else None
        prev = low[ent.start - 1] if ent.start else None
        if ent.label in allowed and (nxt in {"'s", "’s", "’", "'"} or prev == "of"):
            return [ent]
    return []


def _match_trigger(low: list[str], start: int, limit: int, words: tuple[str, ...]) -> int | None:
    """Where the trigger ends, if it starts at ``start``; "relies heavily on" is "relies
    on": one adverb may stand between the words of a trigger."""
    if len(words) == 1:
        return start + 1  # the first word is where the trigger was found
    i = start
    for n, word in enumerate(words):
        if n and i < limit and low[i] != word and low[i].endswith("ly") and len(low[i]) > 3:
            i += 1
        if i >= limit or low[i] != word:
            return None
        i += 1
    return i


def _source(sent: Sentence, ents: list[Ent], low: list[str]) -> Ent | None:
    """Who the sentence cites: "according to X", "X said", "X assessed"."""
    for ent in ents:
        if ent.label not in {"ORGANIZATION", "STATE", "PERSON"}:
            continue
        prev = low[max(sent.start, ent.start - 3) : ent.start]
        if prev[-1:] == ["the"]:
            prev = prev[:-1]
        if prev[-2:] == ["according", "to"]:
            return ent
        if ent.end < sent.end and low[ent.end] in SOURCE_VERBS:
            return ent
    return None


def _dedupe(found: list[FoundRelation]) -> list[FoundRelation]:
    seen: set[tuple[str, str, str, int]] = set()
    unique = []
    for rel in found:
        key = (rel.subject.key, rel.predicate, rel.object.key, rel.sentence.start)
        if key in seen:
            continue
        seen.add(key)
        unique.append(rel)
    return unique
