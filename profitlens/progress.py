"""Progress of a long sync: a live display (rich) in a terminal, one plain line per stream otherwise."""

from __future__ import annotations

import sys
from typing import TextIO


class SyncProgress:
    """Call with (stream, rows in the chunk just read); `close()` when the sync ends."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.out = stream or sys.stderr
        self.counts: dict[str, int] = {}
        self.current: str | None = None
        if self.out.isatty():
            from rich.console import Console  # noqa: PLC0415 - only for terminals
            from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn  # noqa: PLC0415

            self.rich = Progress(
                SpinnerColumn(),
                TextColumn("{task.description}"),
                TextColumn("{task.completed:,} rows"),
                TimeElapsedColumn(),
                console=Console(file=self.out),
                transient=False,
            )
            self.tasks: dict[str, object] = {}
            self.rich.start()
        else:
            self.rich = None  # type: ignore[assignment]

    def __call__(self, stream: str, rows: int) -> None:
        if self.rich is not None:
            if stream not in self.tasks:
                self.tasks[stream] = self.rich.add_task(f"reading {stream}", total=None)
            self.rich.advance(self.tasks[stream], rows)  # type: ignore[arg-type]
            return
        if self.current is not None and stream != self.current:
            self._line(self.current)
        self.current = stream
        self.counts[stream] = self.counts.get(stream, 0) + rows

    def _line(self, stream: str) -> None:
        count = self.counts.get(stream, 0)
        print(f"read {count:,} {'row' if count == 1 else 'rows'} of {stream}", file=self.out, flush=True)

    def close(self) -> None:
        if self.rich is not None:
            self.rich.stop()
        elif self.current is not None:
            self._line(self.current)
            self.current = None
