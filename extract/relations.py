"""Relation extraction anchored on trigger words, constrained by the schema's types.

A sentence with a trigger ("targeted", "a unit of", "sanctioned", "to fund") and entities of
the right types around it states a relation: the subject is the nearest allowed entity
before the trigger (with the entities coordinated with it), the objects are the allowed
entities after it up to a clause boundary. "by" after a passive trigger swaps the sides.
Negation cues before the trigger mark the relation negated; hedges lower its confidence.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise

from spacy.tokens import Doc, Span

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


TRIGGERS: list[Trigger] = [
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
PASSIVE_FORMS = {
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
BOUNDARIES = frozenset(
    "; while whereas but although though however which who that saying after before when".split()
)
NEGATIONS = (
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
HEDGES = (
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
SOURCE_CUES = (("according", "to"),)
SOURCE_VERBS = {
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


@dataclass(frozen=True)
class FoundRelation:
    subject: Span
    predicate: str
    object: Span
    sentence: Span
    trigger: Span
    confidence: float
    negated: bool
    according_to: Span | None


ANAPHORS: dict[tuple[str, ...], frozenset[str]] = {
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
PAREN_STARTS = frozenset(
    "a an the another one also which who whose working known tracked then now itself acting "
    "operating likely reportedly all both each hacking including".split()
)
RELATIVIZERS = {"that", "which", "who"}
_ADVERBS = frozenset(
    "also mainly primarily chiefly largely mostly has have had is are was were been in "
    "particular reportedly allegedly repeatedly since then later often still".split()
)


def sentences_with_entities(doc: Doc, ents: list[Span]) -> list[tuple[Span, list[Span]]]:
    """Each sentence with the entities inside it (``doc.ents`` is built anew on every
    access, so callers pass the list once)."""
    result = []
    i = 0
    for sent in doc.sents:
        while i < len(ents) and ents[i].start < sent.start:
            i += 1
        j = i
        while j < len(ents) and ents[j].end <= sent.end:
            j += 1
        result.append((sent, ents[i:j]))
        i = j
    return result


_BY_FIRST: dict[str, list[Trigger]] = {}
for _trigger in TRIGGERS:
    _BY_FIRST.setdefault(_trigger.words[0], []).append(_trigger)
_ANAPHOR_FIRST = {words[0] for words in ANAPHORS}


def find_relations(doc: Doc, ents: list[Span] | None = None) -> list[FoundRelation]:
    """Every relation the sentences of ``doc`` state, by the rules above."""
    found: list[FoundRelation] = []
    by_first = _BY_FIRST
    history: list[list[Span]] = []
    all_ents = list(doc.ents) if ents is None else ents
    low = _low(doc)
    # the positions where a trigger or an anaphor can start, found in one pass
    triggers = [i for i, w in enumerate(low) if w in by_first]
    anaphors = [i for i, w in enumerate(low) if w in _ANAPHOR_FIRST]
    for sent, ents in sentences_with_entities(doc, all_ents):
        starts = _within(anaphors, sent)
        here = _anaphors(sent, ents, history, starts) if starts else []
        mentions = sorted(ents + here, key=lambda e: e.start)
        if ents:
            history = [*history[-2:], ents]
        if len(mentions) < 2:
            continue
        source = _source(sent, ents)
        context = _Context(
            sent,
            mentions,
            _parenthetical(sent, ents),
            source,
            hedged=_any_cue(tuple(low[sent.start : sent.end]), HEDGES),
            boundaries=[i for i in range(sent.start, sent.end) if low[i] in BOUNDARIES],
        )
        covered = {i for e in mentions for i in range(e.start, e.end)}
        for i in _within(triggers, sent):
            if i in covered:
                continue
            for trig in by_first[low[i]]:
                end = _match_trigger(low, i, sent.end, trig.words)
                if end is None:
                    continue
                found.extend(_apply(trig, doc[i:end], context))
    return _dedupe(found)


def _within(positions: list[int], sent: Span) -> list[int]:
    """The sorted ``positions`` that fall in ``sent``."""
    return positions[bisect_left(positions, sent.start) : bisect_left(positions, sent.end)]


@dataclass(frozen=True)
class _Context:
    """What every trigger of one sentence shares."""

    sent: Span
    mentions: list[Span]
    parenthetical: frozenset[int]
    source: Span | None
    hedged: bool  # "reportedly", "is believed to": the sentence's relations are less sure
    boundaries: list[int]  # positions of clause boundaries (BOUNDARIES), in order


def _anaphors(
    sent: Span, ents: list[Span], history: list[list[Span]], starts: list[int]
) -> list[Span]:
    """ "the group", "it", "the regime": the nearest earlier entity of a fitting type, in
    this sentence or the one before. ``starts``: where the sentence has a word that can
    begin one."""
    doc = sent.doc
    found: list[Span] = []
    taken = {i for e in ents for i in range(e.start, e.end)}
    low = _low(doc)
    for position in starts:
        if position in taken:
            continue
        tok = doc[position]
        for words, types in ANAPHORS.items():
            end = tok.i + len(words)
            if end > sent.end or tuple(low[tok.i : end]) != words:
                continue
            if end < len(doc) and doc[end].is_title and not doc[end].is_sent_start:
                continue  # "the group Lazarus": a name follows, no anaphor
            previous = history[-1] if history else []
            candidates = [e for e in previous + ents if e.end <= tok.i and e.label_ in types]
            if words[-1] == "groups":
                found.extend(
                    Span(doc, tok.i, end, label=a.label_, kb_id=a.kb_id_)
                    for a in _plural_antecedent(history, ents, tok.i, types)
                )
                continue
            if candidates:
                ante = candidates[-1]
                found.append(Span(doc, tok.i, end, label=ante.label_, kb_id=ante.kb_id_))
    return found


def is_anaphor(span: Span) -> bool:
    """Whether the span is "the group", "it" and the like rather than a name."""
    return tuple(_low(span.doc)[span.start : span.end]) in ANAPHORS


def _plural_antecedent(
    history: list[list[Span]], ents: list[Span], before: int, types: frozenset[str]
) -> list[Span]:
    """ "the three groups": the latest list of two or more such entities."""
    for sentence in [[e for e in ents if e.end <= before], *reversed(history)]:
        rest = list(reversed(sentence))
        while rest:
            group = _first_group(rest, types, forward=False)
            if len({e.kb_id_ for e in group}) >= 2:
                return group
            if not group:
                break
            rest = [e for e in rest if e.end <= group[-1].start]
    return []


def _parenthetical(sent: Span, ents: list[Span]) -> frozenset[int]:
    """Token positions inside ", another Lazarus subgroup," asides, which hold no subject."""
    doc = sent.doc
    low = _low(doc)
    commas = [i for i in range(sent.start, sent.end) if low[i] == ","]
    if len(commas) < 2:
        return frozenset()
    inside: set[int] = set()
    in_ent = {i for e in ents for i in range(e.start, e.end)}
    name_ends = {e.end for e in ents if e.label_ != "DATE"}
    for first, second in pairwise(commas):
        if not 2 <= second - first - 1 <= 16 or low[first + 1] not in PAREN_STARTS:
            continue
        segment = doc[first + 1 : second]
        if _name_end_before(doc, first, sent.start) not in name_ends:
            continue  # an aside follows a name: "Andariel, another Lazarus subgroup,"
        words = [t for t in segment if t.i not in in_ent and t.lower_ not in {"a", "an", "the"}]
        if words and not (second + 1 < len(doc) and low[second + 1] in {"and", "or"}):
            inside.update(range(first + 1, second))
    return frozenset(inside)


def _name_end_before(doc: Doc, comma: int, floor: int) -> int:
    """Where the word before ``comma`` ends, looking past a "(RGB)" abbreviation."""
    end = comma
    if end - 1 > floor and doc[end - 1].text == ")":
        while end - 1 > floor and doc[end - 1].text != "(":
            end -= 1
        end -= 1
    return end


def _apply(trig: Trigger, span: Span, ctx: _Context) -> list[FoundRelation]:
    doc, sent = span.doc, ctx.sent
    low = _low(doc)
    passive = (
        trig.order == "active"
        and low[span.end - 1] in PASSIVE_FORMS
        and span.end < sent.end
        and low[span.end] == "by"
    )
    clause_start = _clause_start(sent, span.start)
    before = [e for e in ctx.mentions if e.end <= span.start and e.start >= clause_start]
    boundary = bisect_left(ctx.boundaries, span.end)
    stop = ctx.boundaries[boundary] if boundary < len(ctx.boundaries) else sent.end
    after = [e for e in ctx.mentions if span.end <= e.start < stop]
    negated, confidence = _polarity(sent, span, hedged=ctx.hedged)
    results = []
    for predicate in trig.predicates:
        subjects_ok, objects_ok = RELATION_SCHEMA[predicate]
        subjects_ok = trig.subject_types or subjects_ok
        if trig.order == "either":
            pairs = _either(
                before, after, subjects_ok, objects_ok, predicate, span.end, ctx.parenthetical
            )
        elif passive:
            subjects = _first_group(after, subjects_ok, forward=True)
            objects = _first_group(list(reversed(before)), objects_ok, forward=False)
            if not objects and subjects:
                rest = [e for e in after if e.start > subjects[-1].end]
                if rest and doc[rest[0].start - 1].lower_ in {"on", "against"}:
                    objects = _first_group(rest, objects_ok, forward=True)
            pairs = [(s, o) for s in subjects for o in objects]
        else:
            pairs = _active(trig, span, ctx, predicate, before, after)
        for s, o in pairs:
            if s.kb_id_ == o.kb_id_:
                continue
            results.append(
                FoundRelation(s, predicate, o, sent, span, confidence, negated, ctx.source)
            )
    return results


NOUN_TRIGGERS = {"sanction", "sanctions", "designation", "designations", "sanctions list"}
NOUN_LINKS = {"on", "against", "of", "targeting", "for"}
_NOUN_TRIGGER_WORDS = {tuple(t.split()) for t in NOUN_TRIGGERS}


def _active(
    trig: Trigger, span: Span, ctx: _Context, predicate: str, before: list[Span], after: list[Span]
) -> list[tuple[Span, Span]]:
    doc = span.doc
    subjects_ok, objects_ok = RELATION_SCHEMA[predicate]
    outside = [e for e in before if e.start not in ctx.parenthetical]
    subjects = _relative_subject(span, outside, subjects_ok)
    if subjects is None:
        subjects = _subject_group(list(reversed(outside)), subjects_ok)
    if not subjects:
        subjects = _possessor(after, subjects_ok)
    objects = [e for e in after if e.label_ in objects_ok]
    if trig.words in _NOUN_TRIGGER_WORDS:
        link = _low(doc)[span.end : span.end + 2]
        if not objects or not any(w in NOUN_LINKS for w in link):
            return []
    if not objects and predicate == "uses":
        objects = _relative_object(subjects, ctx.mentions, objects_ok)
    if predicate in {"partOf", "locatedIn"}:
        objects = [o for o in objects if not _possessive(o)][:1]
    if predicate == "sanctions":
        objects = _first_group([o for o in after if not _possessive(o)], objects_ok, forward=True)
    if trig.words == ("in",):
        adjacent = [s for s in subjects if s.end == span.start]
        following = _low(doc)[span.end] if span.end < len(doc) else ""
        start = span.end + (1 if following == "the" else 0)
        if not objects or objects[0].start != start or not adjacent:
            return []
        subjects = [s for s in adjacent if s.label_ != "THREAT_ACTOR"]
    return [(s, o) for s in subjects for o in objects]


def _possessive(span: Span) -> bool:
    doc = span.doc
    return span.end < len(doc) and _low(doc)[span.end] in {"'s", "’s", "’", "'"}


def _relative_object(
    subjects: list[Span], mentions: list[Span], allowed: frozenset[str]
) -> list[Span]:
    """ "IT worker fraud, which the DPRK uses": the object stands before "which"."""
    if not subjects:
        return []
    doc = subjects[0].doc
    i = subjects[0].start - 1
    while i >= 0 and _low(doc)[i] in {"the", "a", "an"}:
        i -= 1
    if i < 1 or _low(doc)[i] not in {"which", "that"}:
        return []
    j = i - 1 if doc[i - 1].text == "," else i
    return [m for m in mentions if m.end == j and m.label_ in allowed]


def _relative_subject(span: Span, before: list[Span], allowed: frozenset[str]) -> list[Span] | None:
    """ "X is a unit of Y that targets Z": the relative clause is about X, not Y."""
    doc = span.doc
    i = span.start - 1
    while i >= 0 and _low(doc)[i] in _ADVERBS:
        i -= 1
    if i < 0 or _low(doc)[i] not in RELATIVIZERS:
        return None
    nearest = [e for e in before if e.end <= i]
    if not nearest:
        return None
    head = nearest[-1]
    if head.start >= 1 and _low(doc)[head.start - 1] in {"of", "to"}:
        firsts = [e for e in before if e.label_ in allowed and e.end <= head.start]
        return firsts[:1]
    if head.label_ not in allowed:
        return None
    return _first_group(list(reversed(nearest)), allowed, forward=False)


_CLAUSE_BREAKS = frozenset({";", "while", "whereas", "but", "although"})


def _clause_start(sent: Span, position: int) -> int:
    low = _low(sent.doc)
    for i in range(position - 1, sent.start - 1, -1):
        if low[i] in _CLAUSE_BREAKS:
            return i + 1
    return sent.start


def _after_to(ent: Span) -> bool:
    doc = ent.doc
    i = ent.start - 1
    if i > 0 and _low(doc)[i] == "the":
        i -= 1
    return i >= 0 and _low(doc)[i] in {"to", "for"}


def _close(after: list[Span], trigger_end: int) -> bool:
    """The first entity after the trigger follows it within a few words."""
    return bool(after) and after[0].start - trigger_end <= 4


def _either(
    before: list[Span],
    after: list[Span],
    subjects_ok: frozenset[str],
    objects_ok: frozenset[str],
    predicate: str,
    trigger_end: int,
    skip: frozenset[int] = frozenset(),
) -> list[tuple[Span, Span]]:
    """Symmetric-ish triggers ("linked to", "fund", "cooperation"): types decide the sides."""
    if predicate == "cooperatesWith":
        near = _first_group(list(reversed(before)), subjects_ok, forward=False)
        far = _first_group(after, objects_ok, forward=True) if _close(after, trigger_end) else []
        far += [
            e
            for e in after
            if e not in far and e.label_ in objects_ok and _low(e.doc)[e.start - 1] == "with"
        ]
        pairs = [(near[i], near[j]) for i in range(len(near)) for j in range(i + 1, len(near))]
        return pairs + [(s, o) for s in near for o in far]
    if predicate == "attributedTo":
        kinds = subjects_ok | objects_ok
        left = _first_group(list(reversed(before)), kinds, forward=False)
        gap = [i for i in range(left[0].end, trigger_end) if i not in skip] if left else []
        if left and len(gap) > 8:
            left = []  # too far back to be what the trigger is about
        right = _first_group(after, kinds, forward=True)
        right += [e for e in after if e not in right and e.label_ in kinds and _after_to(e)]
        both = left + right
        return [
            (a, b) for a in both for b in both if a.label_ in subjects_ok and b.label_ in objects_ok
        ]
    everything = before + after
    subjects = [e for e in everything if e.label_ in subjects_ok]
    objects = [e for e in everything if e.label_ in objects_ok]
    return [(s, o) for s in subjects for o in objects]


APPOSITIVE_HEADS = frozenset(
    "state-backed state-sponsored espionage agency organ service unit units group groups arm "
    "bureau directorate element subgroup cluster actor hackers outfit team teams apparatus "
    "division".split()
)


def find_appositive_parts(doc: Doc, ents: list[Span] | None = None) -> list[FoundRelation]:
    """Asides and copulas that state membership or location:
    "the RGB, a North Korean intelligence agency" / "APT37 is the North Korean espionage
    group" -> partOf; "Riverbend, a community hospital in the United States" / "a
    Seoul-based organisation" -> locatedIn."""
    found: list[FoundRelation] = []
    ents = list(doc.ents) if ents is None else ents
    for ent in ents:
        if ent.label_ not in {"THREAT_ACTOR", "ORGANIZATION", "PERSON"}:
            continue
        k = ent.end
        if k < len(doc) and doc[k].text == "(":
            while k < len(doc) and doc[k].text != ")":
                k += 1
            k += 1
        if k + 1 >= len(doc) or _low(doc)[k] not in {",", "is", "was", "remains"}:
            continue
        if _low(doc)[k + 1] not in {"a", "an", "the", "another", "one", "its"}:
            continue
        stop = k + 1
        while stop < min(len(doc), k + 14) and doc[stop].text not in {",", ".", ";", "(", "which"}:
            stop += 1
        inside = [e for e in ents if e.start > k and e.end <= stop]
        found.extend(_aside_part(ent, inside, doc, k, stop))
        found.extend(_aside_location(ent, inside, doc, k))
    return found


def find_owned_actors(doc: Doc, ents: list[Span]) -> list[FoundRelation]:
    """ "North Korea's Reconnaissance General Bureau", "the RGB of the DPRK": a state or
    organisation owning an actor by possessive or by "of"."""
    low = _low(doc)
    found = []
    owners = {"STATE", "ORGANIZATION", "THREAT_ACTOR"}
    for i, actor in enumerate(ents):
        if actor.label_ != "THREAT_ACTOR":
            continue
        owner = next(
            (e for e in reversed(ents[:i]) if e.label_ in owners and e.kb_id_ != actor.kb_id_),
            None,
        )
        if owner is not None:
            between = low[owner.end : actor.start]
            if (
                between[:1] in (["'s"], ["’s"])
                and len(between) <= 4
                and all(w.isalpha() or w in {"'s", "’s", "-"} for w in between)
            ):
                found.append(_owned(actor, owner))
                continue
        k = actor.end
        if k < len(doc) and low[k] == "(":
            while k < len(doc) and low[k] != ")":
                k += 1
            k += 1
        if k < len(doc) and low[k] == "of":
            k += 1 + (k + 1 < len(doc) and low[k + 1] == "the")
            after = [e for e in ents[i + 1 :] if e.start == k and e.label_ in owners]
            if after and not _possessive(after[0]):
                found.append(_owned(actor, after[0]))
    return found


def find_agent_uses(doc: Doc, ents: list[Span]) -> list[FoundRelation]:
    """ "a spear-phishing effort by Kimsuky", "seen Kimsuky harvest webmail credentials":
    the actor next to the technique uses it."""
    low = _low(doc)
    found = []
    actors = {"THREAT_ACTOR", "STATE"}
    for i, ent in enumerate(ents):
        if ent.label_ not in {"TECHNIQUE", "MALWARE"}:
            continue
        following = ents[i + 1] if i + 1 < len(ents) else None
        gap = low[ent.end : following.start] if following is not None else []
        if following is not None and following.label_ in actors and "by" in gap and len(gap) <= 3:
            negated, confidence = _polarity(ent.sent, ent)
            found.append(
                FoundRelation(following, "uses", ent, ent.sent, ent, confidence, negated, None)
            )
            continue
        preceding = ents[i - 1] if i else None
        if (
            preceding is not None
            and preceding.label_ in actors
            and preceding.end == ent.start
            and low[ent.start] in {"harvest", "harvests", "steal", "steals", "launder", "launders"}
        ):
            negated, confidence = _polarity(ent.sent, ent)
            found.append(
                FoundRelation(preceding, "uses", ent, ent.sent, ent, confidence, negated, None)
            )
    return found


def _owned(actor: Span, owner: Span) -> FoundRelation:
    doc = actor.doc
    return FoundRelation(
        actor, "partOf", owner, actor.sent, doc[actor.start : actor.end], 0.9, False, None
    )


def _aside_part(
    actor: Span, inside: list[Span], doc: Doc, k: int, stop: int
) -> list[FoundRelation]:
    if actor.label_ != "THREAT_ACTOR":
        return []
    for owner in inside:
        if owner.label_ not in {"STATE", "ORGANIZATION", "THREAT_ACTOR"}:
            continue
        heads = set(_low(doc)[owner.end : stop])
        lead = _low(doc)[k + 1 : owner.start]
        of_owner = bool(set(lead) & APPOSITIVE_HEADS) and "of" in lead[-2:]
        if heads & APPOSITIVE_HEADS or of_owner:
            return [
                FoundRelation(actor, "partOf", owner, actor.sent, doc[k : k + 1], 0.9, False, None)
            ]
    return []


def _aside_location(subject: Span, inside: list[Span], doc: Doc, k: int) -> list[FoundRelation]:
    for place in inside:
        if place.label_ not in {"STATE", "REGION"}:
            continue
        prev = _low(doc)[place.start - 1]
        nxt = _low(doc)[place.end] if place.end < len(doc) else ""
        based = nxt in {"-", "based"} or (prev == "in" and subject.label_ != "THREAT_ACTOR")
        if based:
            return [
                FoundRelation(
                    subject, "locatedIn", place, subject.sent, doc[k : k + 1], 0.9, False, None
                )
            ]
    return []


PREPOSITIONS = frozenset("in to at from against on of across with into within over".split())


def _first_group(ordered: list[Span], allowed: frozenset[str], *, forward: bool) -> list[Span]:
    """The nearest allowed entity and those coordinated with it ("X, Y and Z")."""
    group: list[Span] = []
    for ent in ordered:
        if _modifier(ent, ordered):
            continue  # "U.S. Treasury": the state only qualifies the name after it
        if ent.label_ not in allowed:
            if group:
                break
            continue
        if group and not _coordinated(group[-1], ent, forward=forward):
            break
        group.append(ent)
    return group


def _subject_group(ordered: list[Span], allowed: frozenset[str]) -> list[Span]:
    """Like ``_first_group`` backwards, but a group behind a preposition ("to Japan,
    Vietnam and the Middle East") is a complement, not the subject: look further back."""
    rest = ordered
    while rest:
        group = _first_group(rest, allowed, forward=False)
        if not group:
            return []
        leftmost = group[-1]
        doc = leftmost.doc
        before = _low(doc)[leftmost.start - 1] if leftmost.start else ""
        if before == "the" and leftmost.start > 1:
            before = _low(doc)[leftmost.start - 2]
        if before not in PREPOSITIONS:
            return group
        rest = [e for e in rest if e.end <= leftmost.start]
    return []


def _modifier(ent: Span, ordered: list[Span]) -> bool:
    """A state right before a named organisation qualifies it: "U.S. Treasury"."""
    if ent.label_ != "STATE":
        return False
    doc = ent.doc
    possessive = ent.end < len(doc) and _low(doc)[ent.end] in {"'s", "’s"}
    follows = ent.end + 1 if possessive else ent.end
    return any(
        o.start == follows
        and o.kb_id_ != ent.kb_id_
        and o.label_ in {"ORGANIZATION", "THREAT_ACTOR", "PERSON"}
        for o in ordered
    )


def _coordinated(a: Span, b: Span, *, forward: bool) -> bool:
    first, second = (a, b) if forward else (b, a)
    between = _low(a.doc)[first.end : second.start]
    return len(between) <= 4 and all(
        w in {",", "and", "or", "the", "as", "well", "(", ")", "with"} for w in between
    )


def _possessor(after: list[Span], allowed: frozenset[str]) -> list[Span]:
    """ "A focus of North Korea's operations ... on X": the possessive or "of" subject."""
    for ent in after[:2]:
        nxt = ent.doc[ent.end] if ent.end < len(ent.doc) else None
        prev = ent.doc[ent.start - 1] if ent.start else None
        if ent.label_ in allowed and (
            (nxt is not None and nxt.lower_ in {"'s", "’s", "’", "'"})
            or (prev is not None and prev.lower_ == "of")
        ):
            return [ent]
    return []


def _match_trigger(low: list[str], start: int, limit: int, words: tuple[str, ...]) -> int | None:
    """Where the trigger ends, if it starts at ``start``; "relies heavily on" is "relies
    on": one adverb may stand between the words of a trigger."""
    i = start
    for n, word in enumerate(words):
        if n and i < limit and low[i] != word and low[i].endswith("ly") and len(low[i]) > 3:
            i += 1
        if i >= limit or low[i] != word:
            return None
        i += 1
    return i


def _polarity(sent: Span, trigger: Span, *, hedged: bool | None = None) -> tuple[bool, float]:
    """Whether a cue before ``trigger`` denies the relation, and its confidence (lower when
    the sentence hedges; ``hedged`` when the caller already knows)."""
    low = _low(sent.doc)
    negated = _any_cue(tuple(low[sent.start : trigger.start]), NEGATIONS)
    if hedged is None:
        hedged = _any_cue(tuple(low[sent.start : sent.end]), HEDGES)
    return negated, 0.5 if hedged else 0.9


@lru_cache(maxsize=4096)
def _any_cue(words: tuple[str, ...], cues: tuple[tuple[str, ...], ...]) -> bool:
    present = set(words)
    return any(cue[0] in present and _has(list(words), cue) for cue in cues)


def _has(words: list[str], cue: tuple[str, ...]) -> bool:
    if cue[0] not in words:
        return False
    n = len(cue)
    return any(tuple(words[i : i + n]) == cue for i in range(len(words) - n + 1))


def _source(sent: Span, ents: list[Span]) -> Span | None:
    """Who the sentence cites: "according to X", "X said", "X assessed"."""
    doc = sent.doc
    for ent in ents:
        if ent.label_ not in {"ORGANIZATION", "STATE", "PERSON"}:
            continue
        prev = _low(doc)[max(sent.start, ent.start - 3) : ent.start]
        if prev[-1:] == ["the"]:
            prev = prev[:-1]
        if prev[-2:] == ["according", "to"]:
            return ent
        if ent.end < sent.end and _low(doc)[ent.end] in SOURCE_VERBS:
            return ent
    return None


def _dedupe(found: list[FoundRelation]) -> list[FoundRelation]:
    seen: set[tuple[str, str, str, int]] = set()
    unique = []
    for rel in found:
        key = (rel.subject.kb_id_, rel.predicate, rel.object.kb_id_, rel.sentence.start)
        if key in seen:
            continue
        seen.add(key)
        unique.append(rel)
    return unique
