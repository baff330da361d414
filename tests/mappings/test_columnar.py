"""Set-based mapping (mappings/columnar.py) stages exactly what the row engine stages.

Every GP SQL stream gets chunks of driver-shaped rows, most ordinary and some hostile (tabs and
no-break spaces, control characters, amounts on a half of the fifth decimal or beyond 10^8, NaN,
GP's empty date, years out of range, dates as text, unknown and skipped codes, empty keys). The
same chunk is staged twice, through the set-based path and row by row; the staged ledger rows,
quarantine reasons and skipped rows must be identical.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connector.base import RawChunk
from connector.gp_streams import CURSOR, KINDS, STREAMS, build_query
from ledger.store import Store
from mappings import arrow_chunks, columnar
from mappings.engine import load_mapping
from profitlens import sync

MAPPING = load_mapping("gp-sql", {"customer": {"referred_by": "USERDEF1"}})
COMPILED = [name for name in MAPPING.streams if name != "salespeople"]  # salespeople: a scaled rate

text = st.one_of(
    st.sampled_from(["C100", "  C100  ", "Müller & Söhne", "", " ", "INV1", "USD", "  "]),
    st.sampled_from(["a\tb", "tab\t", "\u00a0C1", "C1\u2003", "bell\x07", "new\nline", "'quote'", "x" * 1001]),
    st.text(max_size=6),
)
amount = st.one_of(
    st.sampled_from([0.0, -0.0, 1234.5, 0.1, 99.99999, 2.675, 0.000015, 1.000005, -3.25, 1e8, 5e13, 1e15]),
    st.sampled_from([float("nan"), float("inf"), 12, -7, 10**16]),
    st.floats(min_value=-1e9, max_value=1e9, allow_nan=False).map(lambda f: round(f, 5)),
    st.floats(allow_nan=False, allow_infinity=False, min_value=-1e6, max_value=1e6),
)
integer = st.one_of(st.sampled_from([0, 1, 3, 4, 7, 8, 9, 2, 5, 99, -1, 2**31, 2**40]), st.integers(-3, 12))
moment = st.one_of(
    st.sampled_from([dt.datetime(1900, 1, 1), dt.datetime(1949, 12, 31), dt.datetime(2200, 1, 1)]),
    st.datetimes(min_value=dt.datetime(1930, 1, 1), max_value=dt.datetime(2230, 1, 1)),
)
date_text = st.sampled_from(["2025-03-01", "2025-03-01 00:00:00", "1900-01-01", "2025-3-1", "20250301", "", "soon"])


def value_for(kind: str, as_text_dates: bool) -> st.SearchStrategy[Any]:
    if kind == "text":
        return st.one_of(st.none(), text)
    if kind == "decimal":
        return st.one_of(st.none(), amount)
    if kind == "int":
        return st.one_of(st.none(), integer)
    if kind == "date":
        return st.one_of(st.none(), date_text if as_text_dates else moment)
    return st.one_of(
        st.sampled_from(["2025-01-01 00:00:00.000", "2025-01-01 00:00:00", "2025-01-01", None]),
        st.sampled_from(["2025-01-01T10:00:00", "2025-01-01 10:00:00.1234", " 2025-01-01 10:00:00 "]),
        st.datetimes(min_value=dt.datetime(1990, 1, 1), max_value=dt.datetime(2100, 1, 1)),
    )


def chunk_for(stream: str, data: st.DataObject) -> RawChunk:
    sm = MAPPING.streams[stream]
    _sql, _names, converters = build_query(STREAMS[stream], sm.columns())
    kinds = tuple(KINDS.get(c, "other") for c in converters)
    as_text_dates = data.draw(st.booleans())
    ordinary = {
        "text": st.sampled_from(["C1", "C2 ", "Anna", "EUR"]),
        "decimal": st.sampled_from([10.0, 99.5, 0.0, 1234.56789]),
        "int": st.sampled_from([1, 3, 7, 9, 0]),
        "date": st.just("2025-06-30") if as_text_dates else st.just(dt.datetime(2025, 6, 30)),
    }
    cursor = data.draw(
        st.sampled_from(
            [
                st.just("2025-06-30 10:00:00.000"),
                st.just(dt.datetime(2025, 6, 30, 10, 0, 0, 123456)),
                value_for("", False),
            ]
        )
    )
    row = st.tuples(*[st.one_of(ordinary[k], value_for(k, as_text_dates)) if k in ordinary else cursor for k in kinds])
    return raw_chunk(stream, data.draw(st.lists(row, min_size=1, max_size=40)))


def raw_chunk(stream: str, rows: list[tuple[Any, ...]]) -> RawChunk:
    """`rows` (in the stream's query's column order) as the GP SQL connector hands them to the mapper."""
    _sql, names, converters = build_query(STREAMS[stream], MAPPING.streams[stream].columns())
    kinds = tuple(KINDS.get(c, "other") for c in converters)
    cursor = CURSOR if CURSOR in names else None
    return RawChunk(STREAMS[stream].tables[0][0], 1, tuple(names), kinds, tuple(converters), rows, cursor)


def staged(store: Store, table: str) -> dict[str, Any]:
    con = store.con
    return {
        "rows": con.execute(f"SELECT * EXCLUDE (run_id) FROM sync_stage_{table} ORDER BY _row_number").fetchall(),
        "quarantine": con.execute(
            "SELECT stream, source_key, row_number, reason, raw, _cursor FROM sync_stage_quarantine ORDER BY row_number"
        ).fetchall(),
        "skipped": sorted(con.execute("SELECT * FROM sync_stage_skipped").fetchall(), key=str),
    }


def stage_both(tmp: Path, stream: str, chunk: RawChunk) -> tuple[dict[str, Any], dict[str, Any], bool]:
    sm = MAPPING.streams[stream]
    out = []
    used_plan = False
    for mode in ("rows", "columnar"):
        store = _stores(tmp)[mode]
        try:
            with store.sync("gp-sql", [""]) as writer:
                writer.begin_stream(stream, None)
                if mode == "rows":
                    sync._stage(sm, chunk.source_rows(), "gp-sql", "", stream, writer)
                else:
                    plans: dict[Any, Any] = {}
                    sync._stage_raw(sm, chunk, "gp-sql", "", stream, writer, plans)
                    used_plan = any(p is not None for p in plans.values())
                out.append(staged(store, sm.table))
                raise _Abandon  # leave the ledger alone: only the staging is compared
        except _Abandon:
            pass
    return out[0], out[1], used_plan


class _Abandon(Exception):
    pass


_OPEN: dict[Path, dict[str, Store]] = {}


def _stores(tmp: Path) -> dict[str, Store]:
    """One store per path for the whole test; each example stages afresh (`begin_stream` clears the stream)."""
    if tmp not in _OPEN:
        _OPEN[tmp] = {mode: Store(tmp / f"{mode}.duckdb") for mode in ("rows", "columnar")}
    return _OPEN[tmp]


@pytest.fixture(autouse=True)
def _close_stores() -> Any:
    yield
    for stores in _OPEN.values():
        for store in stores.values():
            store.close()
    _OPEN.clear()


@pytest.mark.parametrize("stream", COMPILED)
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_set_based_mapping_stages_what_the_row_engine_stages(stream: str, data: st.DataObject, tmp_path: Path) -> None:
    chunk = chunk_for(stream, data)
    rows, columnar_rows, _ = stage_both(tmp_path, stream, chunk)
    assert rows == columnar_rows


def test_every_gp_stream_but_the_scaled_rate_compiles() -> None:
    # Ordinary driver values: the plan exists and flags no row.
    for stream, sm in MAPPING.streams.items():
        _sql, names, converters = build_query(STREAMS[stream], sm.columns())
        kinds = tuple(KINDS.get(c, "other") for c in converters)
        sample = {"text": "C1", "decimal": 12.5, "int": 1, "date": dt.datetime(2025, 1, 2)}
        chunk = RawChunk("T", 1, tuple(names), kinds, tuple(converters), [tuple(sample.get(k) for k in kinds)], None)
        plan = columnar.plan_for(chunk, sm, {}, system="gp-sql", company="", stream=stream)
        assert (plan is None) == (stream == "salespeople"), stream


def test_amounts_the_double_cannot_settle_go_to_the_row_engine(tmp_path: Path) -> None:
    # 0.000015 is 1.5 hundred-thousandths: Decimal('0.000015') rounds half up to 0.00002, while the
    # double just below it could round down; 123456789.5 is beyond 10^8. Both rows are flagged,
    # mapped by the row engine, and land with the row engine's figures.
    sm = MAPPING.streams["sales_lines"]
    _sql, names, converters = build_query(STREAMS["sales_lines"], sm.columns())
    kinds = tuple(KINDS.get(c, "other") for c in converters)
    base = {"SOPTYPE": 3, "SOPNUMBE": "INV1", "ITEMNMBR": "W", "QUANTITY": 1.0, "UNITPRCE": 1.0}
    rows = [
        tuple({**base, "LNITMSEQ": 1, "XTNDPRCE": 0.000015, "UNITCOST": 0.5, "EXTDCOST": 0.5}.get(n) for n in names),
        tuple({**base, "LNITMSEQ": 2, "XTNDPRCE": 123456789.5, "UNITCOST": 0.5, "EXTDCOST": 0.5}.get(n) for n in names),
        tuple({**base, "LNITMSEQ": 3, "XTNDPRCE": 10.25, "UNITCOST": 0.5, "EXTDCOST": 0.5}.get(n) for n in names),
    ]
    chunk = RawChunk("SOP30300", 1, tuple(names), kinds, tuple(converters), rows, CURSOR)
    by_rows, by_columns, used_plan = stage_both(tmp_path, "sales_lines", chunk)
    assert used_plan and by_rows == by_columns
    plan = columnar.plan_for(chunk, sm, {}, system="gp-sql", company="", stream="sales_lines")
    assert plan is not None
    with Store(tmp_path / "flags.duckdb") as store, store.sync("gp-sql", [""]) as writer:
        raw = arrow_chunks.arrow_chunk(chunk, dict(plan.shapes))
        assert raw is not None
        assert writer.map_columnar(plan.select_sql, raw) == ([1, 2], None)  # no cursor in these rows
        prices = store.con.execute("SELECT extended_price FROM profitlens_mapped ORDER BY _row_number").fetchall()
        assert prices[2] == (Decimal("10.25000"),)


def test_a_line_number_beyond_the_store_integer_is_quarantined_not_a_crash(tmp_path: Path) -> None:
    # 2,147,483,648 does not fit the store's INTEGER: the row engine used to pass it on and the whole chunk
    # failed in Arrow. Now both paths quarantine that row alone and land the other.
    sm = MAPPING.streams["sales_lines"]
    _sql, names, converters = build_query(STREAMS["sales_lines"], sm.columns())
    kinds = tuple(KINDS.get(c, "other") for c in converters)
    base = {"SOPTYPE": 3, "SOPNUMBE": "INV1", "ITEMNMBR": "W", "QUANTITY": 1.0, "UNITPRCE": 2.0, "XTNDPRCE": 2.0}
    rows = [tuple({**base, "LNITMSEQ": n}.get(name) for name in names) for n in (16384, 2**31)]
    chunk = RawChunk("SOP30300", 1, tuple(names), kinds, tuple(converters), rows, CURSOR)
    by_rows, by_columns, used_plan = stage_both(tmp_path, "sales_lines", chunk)
    assert used_plan and by_rows == by_columns
    assert [r[1] for r in by_rows["rows"]] == [1]  # _row_number of the landed line
    (issue,) = by_rows["quarantine"]
    assert issue[2] == 2 and issue[3] == "line_no: 2147483648 is too large"


def test_a_chunk_mapped_on_several_threads_is_staged_in_read_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The chunk goes to DuckDB in slices that its threads map in parallel; staging must still keep the
    # order the rows were read in, because of two rows with the same key the one read last is landed.
    # 4,000 lines in slices of 100; line 7 of INV1 appears at rows 1 and 4,000 with different prices.
    monkeypatch.setattr(arrow_chunks, "ARROW_BATCH_ROWS", 100)
    sm = MAPPING.streams["sales_lines"]
    _sql, names, converters = build_query(STREAMS["sales_lines"], sm.columns())
    kinds = tuple(KINDS.get(c, "other") for c in converters)
    base = {"SOPTYPE": 3, "ITEMNMBR": "W", "QUANTITY": 1.0, "UNITPRCE": 2.0, CURSOR: "2025-06-30 10:00:00.000"}
    first = {**base, "SOPNUMBE": "INV1", "LNITMSEQ": 7, "XTNDPRCE": 1.0}
    middle = [{**base, "SOPNUMBE": f"INV{n}", "LNITMSEQ": 1, "XTNDPRCE": 2.0} for n in range(2, 4000)]
    last = {**base, "SOPNUMBE": "INV1", "LNITMSEQ": 7, "XTNDPRCE": 3.0}
    rows = [tuple(r.get(n) for n in names) for r in (first, *middle, last)]
    chunk = RawChunk("SOP30300", 1, tuple(names), kinds, tuple(converters), rows, CURSOR)
    with Store(tmp_path / "order.duckdb") as store:
        try:
            with store.sync("gp-sql", [""]) as writer:
                writer.begin_stream("sales_lines", None)
                plans: dict[Any, Any] = {}
                sync._stage_raw(sm, chunk, "gp-sql", "", "sales_lines", writer, plans)
                assert any(p is not None for p in plans.values())  # mapped set-based
                staged_order = store.con.execute(
                    "SELECT _row_number FROM sync_stage_document_line ORDER BY rowid"
                ).fetchall()
                assert [n for (n,) in staged_order] == list(range(1, 4001))
                raise _Abandon  # the landing (the later row wins, test_store.py) is not what is checked here
        except _Abandon:
            pass


def fixed_chunk(stream: str, overrides: list[dict[str, Any]]) -> RawChunk:
    """A chunk of `stream` whose rows are ordinary values but for the named columns."""
    _sql, names, converters = build_query(STREAMS[stream], MAPPING.streams[stream].columns())
    kinds = [KINDS.get(c, "other") for c in converters]
    ordinary = {"text": "C1", "decimal": 10.0, "int": 1, "date": dt.datetime(2025, 6, 30)}
    default = [ordinary.get(kind, "2025-06-30 10:00:00.000") for kind in kinds]
    return raw_chunk(
        stream, [tuple(values.get(n, d) for n, d in zip(names, default, strict=True)) for values in overrides]
    )


def test_the_edges_the_set_based_path_decides_by_itself(tmp_path: Path) -> None:
    # At the edges of the set-based path's rules (which rows it decides itself, which it hands to the row
    # engine), both must stage the same: the last character of each range of special spaces (U+200B, U+2029, U+FEFF) in a name;
    # cursor text with a fraction of zeros and fives ("….050") and with none; a line number of
    # 99,999,999,999,999 and one of 100,000,000,000,000 (past what a line number can be).
    names = [
        {"CUSTNMBR": f"C{i}", "CUSTNAME": f"Name{ch}"} for i, ch in enumerate(("\u200b", "\u2029", "\ufeff", "\u2000"))
    ]
    cursors = [
        {"CUSTNMBR": f"K{i}", CURSOR: c}
        for i, c in enumerate(("2026-03-31 17:45:12.050", "2026-03-31 17:45:12", "2026-03-31T17:45:12.5"))
    ]
    rows, columnar_rows, _ = stage_both(tmp_path, "customers", fixed_chunk("customers", names + cursors))
    assert rows == columnar_rows and len(rows["rows"]) == 7
    lines = [{"LNITMSEQ": n} for n in (99999999999999.0, 100000000000000.0, 16384)]
    rows, columnar_rows, _ = stage_both(tmp_path, "sales_lines", fixed_chunk("sales_lines", lines))
    assert rows == columnar_rows
