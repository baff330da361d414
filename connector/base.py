"""What every connector gives: named streams that yield chunks of `SourceRow`s."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

DEFAULT_CHUNK_ROWS = 5000


@dataclass(frozen=True, slots=True)
class SourceRow:
    """One row as the source gave it, with its values already exact (Decimal, date, trimmed str).

    Attributes:
        table: the source table or file the row came from (provenance).
        row_number: 1-based; for files the line's row in the sheet (the header is row 1).
        values: column name → value. Values the connector could not convert stay as read, so the
            mapping can quarantine the row with a reason instead of the run failing.
    """

    table: str
    row_number: int
    values: dict[str, Any]


class Connector(Protocol):
    """A source of raw rows. `system` names it in provenance (e.g. "gp-sql", "files")."""

    system: str

    def stream_names(self) -> Sequence[str]:
        """The streams this connector can read."""
        ...

    def available_columns(self, stream: str) -> Sequence[str] | None:
        """Columns a mapping may use on `stream`, or None where any column is allowed."""
        ...

    def read(self, stream: str, columns: Sequence[str]) -> Iterator[list[SourceRow]]:
        """Yield the stream's rows in chunks, each row holding at least `columns`."""
        ...

    def close(self) -> None: ...
