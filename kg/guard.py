"""Refuse SPARQL that would reach outside the store, before it is evaluated.

Oxigraph follows ``SERVICE`` and ``LOAD`` over HTTP; a query service must not. The check
is lexical: comments, string literals and IRIs are blanked out first, so the keywords are
found only where they are keywords.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from kg.errors import QueryError

_LEXEMES = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""'  # long strings
    r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"(?:[^"\\\n]|\\.)*"'  # short strings
    r"|'(?:[^'\\\n]|\\.)*'"
    r"|<[^<>\"{}|^`\\\s]*>"  # IRIs
    r"|#[^\n]*",  # comments
    re.S,
)
_FORBIDDEN = re.compile(r"(?<![?$:\w-])(SERVICE|LOAD)(?![\w:-])", re.I)
_FROM = re.compile(r"\bFROM\s+(?:NAMED\s+)?(<[^>]*>|[A-Za-z][\w.-]*:[\w.-]*)", re.I)


def _blank(text: str) -> str:
    """The text with strings, IRIs and comments replaced by placeholders of the same kind."""

    def keep(match: re.Match[str]) -> str:
        lexeme = match.group(0)
        if lexeme.startswith("<"):
            return lexeme  # IRIs stay: FROM needs them
        return " " if lexeme.startswith("#") else '""'

    return _LEXEMES.sub(keep, text)


def check_query(text: str, *, graph_exists: Callable[[str], bool] | None = None) -> None:
    """Raise ``QueryError`` for SERVICE, LOAD, FROM an IRI that is not a graph of the
    store (when ``graph_exists`` is given), or nesting too deep to parse safely."""
    code = _blank(text)
    without_iris = re.sub(r"<[^>]*>", "<>", code)
    _check_depth(without_iris)
    found = _FORBIDDEN.search(without_iris)
    if found:
        raise QueryError(
            f"{found.group(1).upper()} is not allowed: this service never fetches remote data"
        )
    if graph_exists is None:
        return
    for match in _FROM.finditer(code):
        target = match.group(1)
        if target.startswith("<") and not graph_exists(target[1:-1]):
            raise QueryError(f"FROM {target} is not a graph of this store")


#: deeper than any query a person or a client library writes; Oxigraph's recursive parser
#: overflows its stack (and takes the process with it) some thousands of levels down
MAX_NESTING = 64


def _check_depth(code: str) -> None:
    depth = deepest = 0
    for char in code:
        if char in "({[":
            depth += 1
            deepest = max(deepest, depth)
        elif char in ")}]":
            depth -= 1
    if deepest > MAX_NESTING:
        raise QueryError(
            f"the query nests brackets {deepest} levels deep; at most {MAX_NESTING} are allowed"
        )
