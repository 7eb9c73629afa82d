"""Relation extraction anchored on trigger words, constrained by the schema's types.

A sentence with a trigger ("targeted", "a unit of", "sanctioned", "to fund") and entities of
the right types around it states a relation: the subject is the nearest allowed entity
before the trigger (with the entities coordinated with it), the objects are the allowed
entities after it up to a clause boundary. "by" after a passive trigger swaps the sides.
Negation cues before the trigger mark the relation negated; hedges lower its confidence.
"""

from __future__ import annotations

from dataclasses import dataclass

from spacy.tokens import Doc, Span

from kg.model import RELATION_SCHEMA


@dataclass(frozen=True)
class Trigger:
    words: tuple[str, ...]
    predicates: tuple[str, ...]
    order: str = "active"  # "active", "passive" or "either"


def _t(phrases: str, predicates: str, order: str = "active") -> list[Trigger]:
    return [
        Trigger(tuple(p.split()), tuple(predicates.split()), order) for p in phrases.split("|") if p
    ]


TRIGGERS: list[Trigger] = [
    *_t(
        "target|targets|targeted|targeting|attack|attacks|attacked|attacking|hit|hits|compromised|"
        "breached|hacked|infiltrated|penetrated|went after|gone after|go after|goes after|"
        "going after|"
        "focus on|focused on|focuses on|focus|concentrated on|concentrates on|concentrate on|"
        "concentrated|probed|struck|victimized|victimised|preyed on|preys on|stole from|robbed|"
        "aimed at|directed against|campaign against|operations against|attacks on|attacks against|"
        "intrusion at|intrusions at|intrusion into|intrusions into|spied on",
        "targets",
    ),
    *_t(
        "specialises in|specializes in|specialised in|specialized in|specialising in|"
        "specializing in|carried out|carries out|carry out|conducted|conducts|conduct|"
        "engaged in|engages in|went on to",
        "targets uses",
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
        "attributed to|attributes|linked to|linked by|tied to|blamed on|blamed|responsible for|"
        "was behind|were behind|is behind|are behind|behind the|took part in|takes part in|"
        "carried out by|conducted by|perpetrated by|orchestrated by|committed by|the work of",
        "attributedTo",
        "either",
    ),
    *_t(
        "fund|funds|funded|funding|finance|finances|financed|financing|bankroll|bankrolls|"
        "bankrolled|pay for|pays for|paid for|earn money for|earns money for|revenue for|"
        "money for|proceeds|secure funds for|raise funds for|raise money for|generate revenue",
        "funds",
        "either",
    ),
    *_t(
        "sanction|sanctions|sanctioned|sanctioning|designate|designates|designated|designating|"
        "designation|designations|blacklisted|blacklists|indicted|charged|sanctions list",
        "sanctions",
    ),
    *_t(
        "cooperation|cooperate|cooperates|cooperated|cooperating|coordination|coordinate|"
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
BOUNDARIES = {";", "while", "whereas", "but", "although", "though", "however", "which", "who"}
NEGATIONS = (
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


def find_relations(doc: Doc) -> list[FoundRelation]:
    """Every relation the sentences of ``doc`` state, by the rules above."""
    found: list[FoundRelation] = []
    by_first: dict[str, list[Trigger]] = {}
    for trig in TRIGGERS:
        by_first.setdefault(trig.words[0], []).append(trig)
    for sent in doc.sents:
        ents = [e for e in doc.ents if e.start >= sent.start and e.end <= sent.end]
        if len(ents) < 2:
            continue
        source = _source(sent, ents)
        for tok in sent:
            if any(e.start <= tok.i < e.end for e in ents):
                continue
            for trig in by_first.get(tok.lower_, ()):
                end = tok.i + len(trig.words)
                if end > sent.end or tuple(t.lower_ for t in doc[tok.i : end]) != trig.words:
                    continue
                span = doc[tok.i : end]
                found.extend(_apply(trig, span, sent, ents, source))
    return _dedupe(found)


def _apply(
    trig: Trigger, span: Span, sent: Span, ents: list[Span], source: Span | None
) -> list[FoundRelation]:
    doc = span.doc
    passive = (
        trig.order == "active"
        and span[-1].lower_ in PASSIVE_FORMS
        and span.end < sent.end
        and doc[span.end].lower_ == "by"
    )
    before = [e for e in ents if e.end <= span.start]
    after = [e for e in ents if e.start >= span.end]
    after = _until_boundary(after, span.end, sent)
    negated, confidence = _polarity(sent, span)
    results = []
    for predicate in trig.predicates:
        subjects_ok, objects_ok = RELATION_SCHEMA[predicate]
        pairs: list[tuple[Span, Span]] = []
        if trig.order == "either":
            pairs = _either(before, after, subjects_ok, objects_ok, predicate)
        else:
            left, right = before, after
            if passive:
                subjects = _first_group(right, subjects_ok, forward=True)
                objects = _first_group(list(reversed(left)), objects_ok, forward=False)
            else:
                subjects = _first_group(list(reversed(left)), subjects_ok, forward=False)
                if not subjects:
                    subjects = _possessor(after, subjects_ok)
                objects = [e for e in right if e.label_ in objects_ok]
                if predicate in {"partOf", "locatedIn"} or trig.words == ("in",):
                    objects = objects[:1]
                    if trig.words == ("in",) and (not objects or objects[0].start - span.end > 1):
                        continue
            pairs = [(s, o) for s in subjects for o in objects]
        for s, o in pairs:
            if s.kb_id_ == o.kb_id_:
                continue
            results.append(FoundRelation(s, predicate, o, sent, span, confidence, negated, source))
    return results


def _either(
    before: list[Span],
    after: list[Span],
    subjects_ok: frozenset[str],
    objects_ok: frozenset[str],
    predicate: str,
) -> list[tuple[Span, Span]]:
    """Symmetric-ish triggers ("linked to", "fund", "cooperation"): types decide the sides."""
    if predicate == "cooperatesWith":
        near = _first_group(list(reversed(before)), subjects_ok, forward=False)
        if len(near) >= 2:
            return [(near[i], near[j]) for i in range(len(near)) for j in range(i + 1, len(near))]
        far = _first_group(after, objects_ok, forward=True)
        return [(s, o) for s in near[:1] for o in far]
    if predicate == "attributedTo":
        left = [e for e in before if before and e.start >= before[-1].start]
        right = [e for e in after[:1]]
        pairs = []
        for a in left + right:
            for b in left + right:
                if a is not b and a.label_ in subjects_ok and b.label_ in objects_ok:
                    pairs.append((a, b))
        return pairs
    everything = before + after
    subjects = [e for e in everything if e.label_ in subjects_ok]
    objects = [e for e in everything if e.label_ in objects_ok]
    return [(s, o) for s in subjects for o in objects]


APPOSITIVE_HEADS = {
    "agency",
    "organ",
    "service",
    "unit",
    "group",
    "arm",
    "bureau",
    "directorate",
    "element",
    "subgroup",
    "cluster",
    "actor",
    "hackers",
    "outfit",
    "team",
    "apparatus",
    "division",
}


def find_appositive_parts(doc: Doc) -> list[FoundRelation]:
    """ "the RGB, a North Korean intelligence agency" / "X, the DPRK's main intelligence
    service" / "an Iranian state-backed group": the actor is part of the named owner."""
    found = []
    ents = list(doc.ents)
    for i, actor in enumerate(ents):
        if actor.label_ != "THREAT_ACTOR":
            continue
        k = actor.end
        if k < len(doc) and doc[k].text == "(":
            while k < len(doc) and doc[k].text != ")":
                k += 1
            k += 1
        if k >= len(doc) or doc[k].text != ",":
            continue
        window = doc[k + 1 : min(len(doc), k + 9)]
        owner = None
        for ent in ents[i + 1 :]:
            if ent.start > window.end or ent.start <= k:
                if ent.start > window.end:
                    break
                continue
            if ent.label_ in {"STATE", "ORGANIZATION", "THREAT_ACTOR"}:
                owner = ent
                break
        if owner is None:
            continue
        tail = [t.lower_ for t in doc[owner.end : min(len(doc), owner.end + 5)]]
        head_words = []
        for w in tail:
            if w in {",", ".", ";", "("}:
                break
            head_words.append(w)
        lead = [t.lower_ for t in doc[k + 1 : owner.start]]
        if lead and lead[0] not in {"a", "an", "the", "another", "one", "its"}:
            continue
        if any(w in APPOSITIVE_HEADS for w in head_words):
            sent = actor.sent
            found.append(
                FoundRelation(actor, "partOf", owner, sent, doc[k : k + 1], 0.9, False, None)
            )
    return found


def _first_group(ordered: list[Span], allowed: frozenset[str], *, forward: bool) -> list[Span]:
    """The nearest allowed entity and those coordinated with it ("X, Y and Z")."""
    group: list[Span] = []
    for ent in ordered:
        if ent.label_ not in allowed:
            if group:
                break
            continue
        if group and not _coordinated(group[-1], ent, forward=forward):
            break
        group.append(ent)
    return group


def _coordinated(a: Span, b: Span, *, forward: bool) -> bool:
    first, second = (a, b) if forward else (b, a)
    between = [t.lower_ for t in a.doc[first.end : second.start]]
    return len(between) <= 3 and all(w in {",", "and", "or", "the", "as", "well"} for w in between)


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


def _until_boundary(after: list[Span], start: int, sent: Span) -> list[Span]:
    doc = sent.doc
    stop = sent.end
    for tok in doc[start : sent.end]:
        if tok.lower_ in BOUNDARIES:
            stop = tok.i
            break
    return [e for e in after if e.start < stop]


def _polarity(sent: Span, trigger: Span) -> tuple[bool, float]:
    words = [t.lower_ for t in sent.doc[sent.start : trigger.start]]
    negated = any(_has(words, cue) for cue in NEGATIONS)
    all_words = [t.lower_ for t in sent]
    hedged = any(_has(all_words, cue) for cue in HEDGES)
    return negated, 0.5 if hedged else 0.9


def _has(words: list[str], cue: tuple[str, ...]) -> bool:
    n = len(cue)
    return any(tuple(words[i : i + n]) == cue for i in range(len(words) - n + 1))


def _source(sent: Span, ents: list[Span]) -> Span | None:
    """Who the sentence cites: "according to X", "X said", "X assessed"."""
    doc = sent.doc
    for ent in ents:
        if ent.label_ not in {"ORGANIZATION", "STATE", "PERSON"}:
            continue
        prev = [t.lower_ for t in doc[max(sent.start, ent.start - 2) : ent.start]]
        if prev == ["according", "to"]:
            return ent
        if ent.end < sent.end and doc[ent.end].lower_ in SOURCE_VERBS:
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
