"""Per-doc token forms computed once: rule code asks for them often, and every
``doc[i]`` builds a new Token object."""

from __future__ import annotations

from spacy.tokens import Doc

LOWER_KEY = "kg.lower"


def lower_forms(doc: Doc) -> list[str]:
    """Lower-case forms of the doc's tokens, cached in ``doc.user_data`` until
    ``forget`` (the cache must not travel with the doc between processes)."""
    cached = doc.user_data.get(LOWER_KEY)
    if cached is None or len(cached) != len(doc):
        cached = doc.user_data[LOWER_KEY] = [t.lower_ for t in doc]
    return cached  # type: ignore[no-any-return]


def forget(doc: Doc) -> None:
    doc.user_data.pop(LOWER_KEY, None)
