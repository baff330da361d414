"""Read a source's streams on a second thread while the sync stages what was already read.

The database driver executes a query and fetches rows in C, with Python's GIL released, and DuckDB
maps and stages a chunk the same way: on two cores the two overlap (large sample: the driver executes
the next stream's query while the last chunks of the one before are staged).

Memory stays bounded: at most `in_flight` chunks exist at once (the one being staged included), and
the reader asks the driver for the next chunk only when a slot is free. The streams are read one
after another, in the order given; the consumer takes them in that same order.
"""

from __future__ import annotations

import contextvars
import queue
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Generic, TypeVar

T = TypeVar("T")

_END = object()


class ReadAhead(Generic[T]):
    """`reads`: (name, opener) per stream, in order; an opener starts the stream's read (a generator).
    `cancel`: stops the source's running query from the consumer's thread, called when the consumer
    fails (so it need not wait for a long query to end before it reports)."""

    def __init__(
        self,
        reads: Sequence[tuple[str, Callable[[], Iterator[T]]]],
        *,
        in_flight: int = 2,
        cancel: Callable[[], None] | None = None,
    ) -> None:
        if in_flight < 2:
            raise ValueError("read-ahead needs room for two chunks (one staged, one read)")
        self._reads = list(reads)
        self._cancel = cancel
        self._queue: queue.Queue[tuple[str, Any]] = queue.Queue()
        self._slots = threading.Semaphore(in_flight)
        self._stop = threading.Event()
        # The reader runs in a copy of the caller's context: the run id (profitlens.logs.RUN_ID) stays on
        # every log line the connector writes from there (retries, warnings).
        context = contextvars.copy_context()
        self._thread = threading.Thread(
            target=context.run, args=(self._read_all,), name="profitlens-read-ahead", daemon=True
        )
        self._next = 0
        self._thread.start()

    def _read_all(self) -> None:
        for name, opener in self._reads:
            chunks: Iterator[T] | None = None
            try:
                chunks = opener()
                while True:
                    self._slots.acquire()  # a free slot before the driver is asked for more rows
                    if self._stop.is_set():
                        return
                    try:
                        chunk = next(chunks)
                    except StopIteration:
                        self._slots.release()
                        break
                    self._queue.put((name, chunk))
            except BaseException as exc:  # handed to the consumer, which raises it as its own
                self._queue.put((name, exc))
                return
            finally:
                close = getattr(chunks, "close", None)
                if close is not None:
                    close()  # the stream's cursor, on this thread, also when stopped half-way
            self._queue.put((name, _END))

    def chunks(self, name: str) -> Iterator[T]:
        """The chunks of stream `name` (the next stream in order), as they are read."""
        expected = self._reads[self._next][0] if self._next < len(self._reads) else None
        if name != expected:
            raise RuntimeError(f"streams taken out of order: {name!r}, expected {expected!r}")
        self._next += 1
        while True:
            got, item = self._queue.get()
            if got != name:  # cannot happen while streams are taken in order; never stage into the wrong one
                raise RuntimeError(f"a chunk of {got!r} arrived while reading {name!r}")
            if item is _END:
                return
            if isinstance(item, BaseException):
                raise item
            try:
                yield item
            finally:
                self._slots.release()  # this chunk is staged (or abandoned): its room is free

    def close(self, *, failed: bool = False) -> None:
        """Stop reading and wait for the reader to finish: after the chunk being read, or, when the
        consumer `failed`, at once where the source can cancel its running query."""
        self._stop.set()
        if failed and self._cancel is not None and self._thread.is_alive():
            self._cancel()
        self._slots.release()  # wakes a reader waiting for a slot
        self._thread.join()

    def __enter__(self) -> ReadAhead[T]:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *exc: object) -> None:
        self.close(failed=exc_type is not None)
