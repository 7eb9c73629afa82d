"""What a failed validation says: the focus node, the path, the message and the value."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Violation:
    focus: str
    path: str
    message: str
    value: str
    severity: str

    def __str__(self) -> str:
        value = f" (value: {self.value})" if self.value else ""
        return f"{self.focus} {self.path}: {self.message}{value}"


@dataclass(frozen=True)
class ValidationReport:
    conforms: bool
    violations: tuple[Violation, ...]

    @property
    def text(self) -> str:
        if self.conforms:
            return "conforms"
        return "\n".join(str(v) for v in self.violations)
