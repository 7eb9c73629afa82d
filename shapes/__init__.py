"""SHACL shapes of the threat-kg graph, shipped as package data (one Turtle file a concern)."""

from __future__ import annotations

from importlib import resources
from importlib.abc import Traversable


def shape_files() -> list[Traversable]:
    """Every ``*.ttl`` file of this package, in name order."""
    root = resources.files(__name__)
    return sorted((f for f in root.iterdir() if f.name.endswith(".ttl")), key=lambda f: f.name)
