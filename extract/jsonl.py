"""The ``kg extract --format jsonl`` shape: the contract of the scoring tool."""

from __future__ import annotations

from kg.model import Extraction


def extraction_record(extraction: Extraction) -> dict[str, object]:
    return {
        "source": extraction.meta.source,
        "entities": [
            {
                "id": e.key,
                "type": e.type,
                "label": e.label,
                "mentions": [{"text": m.text, "start": m.start, "end": m.end} for m in e.mentions],
                **({"iso": e.normalized} if e.normalized else {}),
            }
            for e in extraction.entities
        ],
        "relations": [
            {
                "subject": r.subject,
                "predicate": r.predicate,
                "object": r.object,
                "evidence": r.evidence,
                "start": r.start,
                "end": r.end,
                "negated": r.negated,
                "confidence": r.confidence,
                **({"according_to": r.according_to} if r.according_to else {}),
            }
            for r in extraction.relations
        ],
    }
