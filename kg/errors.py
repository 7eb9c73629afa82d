"""Domain errors. They know nothing of HTTP; ``api.errors`` maps them to problem+json."""

from __future__ import annotations


class KGError(Exception):
    """Base of every error the product raises on purpose."""


class InputError(KGError):
    """A document or parameter could not be read or is not acceptable."""


class ValidationFailed(KGError):
    """A graph did not conform to the shapes; ``report`` says why."""

    def __init__(self, message: str, report: object) -> None:
        super().__init__(message)
        self.report = report


class QueryError(KGError):
    """A SPARQL query or update is malformed or refused."""


class NotFound(KGError):
    """The thing asked for is not in the graph."""


class QueryTimeout(KGError):
    """A query ran past its deadline and was cut off."""


class Overloaded(KGError):
    """Too much work is running to take more now."""


class StoreError(KGError):
    """The store cannot be opened or written."""
