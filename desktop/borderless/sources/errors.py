"""The one error a source raises: evidence that cannot be read, described for a person."""

from __future__ import annotations


class SourceError(Exception):
    """A source could not be read. The message names the source and the problem in plain words."""
