"""The one error a source raises: evidence that cannot be read, described for a person."""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO


class SourceError(Exception):
    """A source could not be read. The message names the source and the problem in plain words."""


def open_evidence(path: Path, what: str) -> BinaryIO:
    """Open a log or export for reading, or raise SourceError saying why it cannot be.

    Args:
        path: the file.
        what: what the file should be, for the message when it is a folder ("a query log").
    """
    try:
        return path.open("rb")
    except FileNotFoundError as error:
        raise SourceError(f"{path}: not found") from error
    except IsADirectoryError as error:
        raise SourceError(f"{path}: is a folder, not {what}") from error
    except PermissionError as error:
        raise SourceError(
            f"{path}: permission denied (Borderless may not read this file)"
        ) from error
    except OSError as error:
        raise SourceError(f"{path}: cannot be read ({error.strerror or error})") from error
