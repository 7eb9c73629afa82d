"""The pipeline's tokenizer: spaCy's, leaving the text it was given on the doc.

Kept out of the compiled modules (``setup.py``): it hands every other attribute to the
wrapped tokenizer through ``__getattr__`` and ``__dict__``, which a compiled class does
not have.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from spacy.tokens import Doc

from extract.tokens import TEXT_KEY


class TextKeepingTokenizer:
    """spaCy's tokenizer, leaving the text it was given on the doc for ``extract.tokens.doc_text``.

    ``doc.text`` makes a Token and looks up a string for every token: about a million
    instructions for a 470-token document. spaCy's tokenizer keeps every character, so
    the text given is the doc's text. Anything else is the wrapped tokenizer's.
    """

    def __init__(self, tokenizer: Callable[[str], Doc]) -> None:
        self.tokenizer = tokenizer

    def __call__(self, text: str) -> Doc:
        doc = self.tokenizer(text)
        doc.user_data[TEXT_KEY] = text
        return doc

    def pipe(self, texts: Iterable[str], batch_size: int = 1000) -> Iterator[Doc]:
        for text in texts:
            yield self(text)

    def __getattr__(self, name: str) -> Any:
        # through __dict__: while unpickling, before __init__ has run, there is none
        tokenizer = self.__dict__.get("tokenizer")
        if tokenizer is None:
            raise AttributeError(name)
        return getattr(tokenizer, name)
