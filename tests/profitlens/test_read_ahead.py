"""Reading the next chunks on a second thread: same chunks, same order, bounded memory, errors passed on."""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterator

import pytest

from profitlens.logs import RUN_ID
from profitlens.read_ahead import ReadAhead


class Source:
    """Streams of numbered chunks that count how many chunks exist at once (read and not yet staged)."""

    def __init__(self, sizes: dict[str, int], fail_at: tuple[str, int] | None = None) -> None:
        self.sizes = sizes
        self.fail_at = fail_at
        self.alive = 0
        self.most_alive = 0
        self.closed: list[str] = []
        self.threads: set[str] = set()
        self.lock = threading.Lock()

    def read(self, name: str) -> Iterator[str]:
        try:
            for i in range(self.sizes[name]):
                if self.fail_at == (name, i):
                    raise ConnectionError(f"lost the server reading {name}")
                with self.lock:
                    self.alive += 1
                    self.most_alive = max(self.most_alive, self.alive)
                self.threads.add(threading.current_thread().name)
                yield f"{name}-{i}"
        finally:
            self.closed.append(name)

    def staged(self) -> None:
        with self.lock:
            self.alive -= 1

    def reads(self) -> list[tuple[str, Callable[[], Iterator[str]]]]:
        return [(name, functools.partial(self.read, name)) for name in self.sizes]


def stage_all(source: Source, reader: ReadAhead[str]) -> list[str]:
    out = []
    for name in source.sizes:
        for chunk in reader.chunks(name):
            out.append(chunk)
            source.staged()
    return out


def test_every_chunk_arrives_in_order_and_at_most_two_exist_at_once() -> None:
    # 3 streams of 5, 0 and 7 chunks: 12 chunks, in stream order, each stream's in its own order.
    source = Source({"customers": 5, "empty": 0, "sales_lines": 7})
    with ReadAhead(source.reads()) as reader:
        got = stage_all(source, reader)
    assert got == [f"customers-{i}" for i in range(5)] + [f"sales_lines-{i}" for i in range(7)]
    assert source.most_alive <= 2  # one being staged, one read ahead: memory does not grow with the data
    assert source.closed == ["customers", "empty", "sales_lines"]
    assert source.threads == {"profitlens-read-ahead"}  # the source is read on the reader's thread only


def test_a_source_error_reaches_the_sync_as_itself_after_the_chunks_before_it() -> None:
    source = Source({"customers": 3, "sales_lines": 5}, fail_at=("sales_lines", 2))
    got: list[str] = []
    with (
        pytest.raises(ConnectionError, match="lost the server reading sales_lines"),
        ReadAhead(source.reads()) as reader,
    ):
        for name in source.sizes:
            for chunk in reader.chunks(name):
                got.append(chunk)
                source.staged()
    assert got == ["customers-0", "customers-1", "customers-2", "sales_lines-0", "sales_lines-1"]
    assert source.closed == ["customers", "sales_lines"]  # the failed stream's cursor is closed too


def test_a_sync_that_stops_half_way_stops_the_reader_and_closes_the_stream() -> None:
    source = Source({"sales_lines": 1000})
    reader: ReadAhead[str] = ReadAhead(source.reads())
    chunks = reader.chunks("sales_lines")
    assert next(chunks) == "sales_lines-0"
    chunks.close()  # e.g. staging failed: the sync abandons the stream
    reader.close()
    assert not any(t.name == "profitlens-read-ahead" for t in threading.enumerate())
    assert source.closed == ["sales_lines"]
    assert source.alive <= 3  # it stopped: it did not read the other 997 chunks


def test_streams_taken_out_of_order_are_refused() -> None:
    source = Source({"customers": 1, "sales_lines": 1})
    with ReadAhead(source.reads()) as reader, pytest.raises(RuntimeError, match="out of order"):
        next(reader.chunks("sales_lines"))


def test_the_reader_logs_with_the_sync_s_run_id() -> None:
    # A connector's retry warnings are written on the reader's thread: they must name the run like the rest.
    seen: list[str] = []

    def read() -> Iterator[str]:
        seen.append(RUN_ID.get())
        yield "customers-0"

    token = RUN_ID.set("20261123T120000-abcdef12")
    try:
        with ReadAhead([("customers", read)]) as reader:
            assert list(reader.chunks("customers")) == ["customers-0"]
    finally:
        RUN_ID.reset(token)
    assert seen == ["20261123T120000-abcdef12"]


def test_a_failed_sync_cancels_the_query_being_read_instead_of_waiting_for_it() -> None:
    # The second stream's query runs until it is cancelled (a long SQL Server query). Staging the first
    # stream's chunk fails meanwhile: leaving, the sync cancels that query, and the reader ends at once.
    running, cancelled = threading.Event(), threading.Event()

    def customers() -> Iterator[str]:
        yield "customers-0"

    def sales_lines() -> Iterator[str]:
        running.set()
        cancelled.wait(timeout=60)  # the driver executing; it returns early only when cancelled
        if cancelled.is_set():
            raise ConnectionError("the query was cancelled")
        yield "sales_lines-0"

    reader: ReadAhead[str] = ReadAhead([("customers", customers), ("sales_lines", sales_lines)], cancel=cancelled.set)
    with pytest.raises(RuntimeError, match="staging failed"), reader:
        for _chunk in reader.chunks("customers"):
            running.wait(timeout=60)  # the reader is in the next stream's query
            raise RuntimeError("staging failed")
    assert cancelled.is_set()
    assert not any(t.name == "profitlens-read-ahead" for t in threading.enumerate())


def test_a_sync_that_ends_normally_cancels_nothing() -> None:
    cancels: list[str] = []
    source = Source({"customers": 2, "sales_lines": 3})
    with ReadAhead(source.reads(), cancel=lambda: cancels.append("cancel")) as reader:
        assert len(stage_all(source, reader)) == 5
    assert cancels == []
