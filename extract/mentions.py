"""Entity mentions on a doc's token arrays, written and read without Span objects.

A Span costs about a microsecond to make and reads its label and key through the
StringStore (hundreds of instructions a lookup), and the rules read these fields
hundreds of thousands of times per corpus. ``kg_entities`` writes the mentions once and
leaves them on the doc, with the arrays it wrote, for ``kg_relations`` to read back.
"""

from __future__ import annotations

from typing import Final, final

import numpy
from spacy.attrs import ENT_IOB, ENT_KB_ID, ENT_TYPE
from spacy.tokens import Doc

ENTS_KEY: Final = "kg.ents"
_ATTRS: Final = [ENT_IOB, ENT_TYPE, ENT_KB_ID]
_B, _I, _O = 3, 1, 2  # spaCy's ENT_IOB values

#: an entity while it is being found: (start token, end token, type, key)
Found = tuple[int, int, str, str]


@final
class Ent:
    """An entity mention as the rules read it: tokens [start, end), its type and key.

    A class rather than a NamedTuple: compiled, its fields are read straight from the
    object and it is made without a call through ``tuple.__new__``, and the rules read
    and make mentions hundreds of thousands of times per corpus. Equal mentions are
    equal, as tuples were.
    """

    def __init__(self, start: int, end: int, label: str, key: str) -> None:
        self.start = start
        self.end = end
        self.label = label
        self.key = key

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Ent)
            and self.start == other.start
            and self.end == other.end
            and self.label == other.label
            and self.key == other.key
        )

    def __hash__(self) -> int:
        return hash((self.start, self.end, self.label, self.key))

    def __repr__(self) -> str:
        return f"Ent({self.start}, {self.end}, {self.label!r}, {self.key!r})"

    def fields(self) -> Found:
        return (self.start, self.end, self.label, self.key)


def set_entities(doc: Doc, found: list[Found], hashes: dict[str, int] | None = None) -> None:
    """Make ``found`` (in text order, not overlapping) the doc's entities, every other
    token outside one: what ``Doc.set_ents(spans, default="outside")`` does, written to
    the token arrays at once instead of through a Span per entity.

    ``hashes``: the StringStore hashes of labels and keys seen before, kept by the
    caller (``StringStore.add`` hashes the string anew every time).
    """
    n = len(doc)
    if not n:
        return
    hashes = {} if hashes is None else hashes
    add = doc.vocab.strings.add
    # every token outside an entity and untyped, keeping its KB id (as set_ents does):
    # only the ids are read from the doc
    values = numpy.zeros((n, 3), dtype="uint64")
    values[:, 0] = _O
    values[:, 2] = doc.to_array(ENT_KB_ID)
    if found:
        labels = [hashes.get(f[2]) or hashes.setdefault(f[2], add(f[2])) for f in found]
        keys = [hashes.get(f[3]) or hashes.setdefault(f[3], add(f[3])) for f in found]
        # (the array methods: numpy's functions of the same names are Python wrappers)
        starts = numpy.array([f[0] for f in found])
        size_list = [f[1] - f[0] for f in found]
        sizes = numpy.array(size_list)
        # every entity's tokens: its start repeated, plus 0, 1, ... within the entity
        # (how many, summed from the list: ndarray.sum goes through a Python wrapper)
        within = numpy.arange(sum(size_list)) - (sizes.cumsum() - sizes).repeat(sizes)
        tokens = starts.repeat(sizes) + within
        values[tokens, 0] = _I
        values[starts, 0] = _B
        values[tokens, 1] = numpy.array(labels, "uint64").repeat(sizes)
        values[tokens, 2] = numpy.array(keys, "uint64").repeat(sizes)
    doc.from_array(_ATTRS, values)  # type: ignore[arg-type]
    doc.user_data[ENTS_KEY] = (values, [Ent(f[0], f[1], f[2], f[3]) for f in found])


def entities_of(doc: Doc) -> list[Ent]:
    """``doc.ents`` as :class:`Ent` tuples: as :func:`set_entities` left them if the
    token arrays still hold what it wrote, or else read from the arrays as the
    ``Doc.ents`` property reads them."""
    n = len(doc)
    if not n:
        return []
    values = doc.to_array(_ATTRS)
    kept = doc.user_data.get(ENTS_KEY)
    # the same bytes: both arrays are to_array's uint64 (n, 3)
    if kept is not None and kept[0].tobytes() == values.tobytes():
        return list(kept[1])
    iob, types, keys = values.T
    # an entity begins at a B token with a type, and ends where the I tokens stop
    begins = ((iob == _B) & (types != 0)).nonzero()[0]
    not_inside = numpy.concatenate(((iob != _I).nonzero()[0], [n]))
    ends = not_inside[not_inside.searchsorted(begins, side="right")]
    strings = doc.vocab.strings
    return [
        Ent(b, e, strings[t], strings[k] if k else "")
        for b, e, t, k in zip(
            begins.tolist(),
            ends.tolist(),
            types[begins].tolist(),
            keys[begins].tolist(),
            strict=True,
        )
    ]
