"""Hostile source rows through every mapper: each lands correctly or is quarantined with a reason.

For every source kind (gp-sql, gp-ws, bc, files) and every stream of its mapping, hypothesis builds
rows whose values are what ERPs and spreadsheets really send at their worst: wrong types, empty and
whitespace-only keys, GP's 1900-01-01 and far-future dates, negative and huge amounts, unknown codes,
formulas, very long names, control characters, undecodable text. The invariants:

- rows in = rows landed + rows quarantined + rows skipped on purpose (a code table's "skip"), always;
- a quarantined row has a reason naming a field; a landed row's money is an exact, finite Decimal,
  its dates are dates and its required fields are filled;
- then through a real store: duplicates and dangling references are quarantined too, and the
  counts still add up.

The number of generated rows is added to $PROFITLENS_RELIABILITY_COUNTS (a JSON file) when set,
for docs/reliability.md.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connector.base import SourceRow
from ledger.model import REQUIRED
from ledger.store import Store
from mappings.engine import load_mapping

KINDS = ("gp-sql", "gp-ws", "bc", "files")
COUNTS: dict[str, int] = {}

text_values = st.one_of(
    st.sampled_from(["", " ", "   ", "\t", "C1", "D1", "INV1", "=cmd|' /C calc'!A0", "+1+1", "@SUM(A1)", "-2+3"]),
    st.text(min_size=0, max_size=30),
    st.text(alphabet=st.characters(codec="utf-8", categories=["Cc", "Cf", "Zs"]), max_size=5),
    st.just("x" * 5000),
    st.sampled_from(
        ["Invoice", "Credit Memo", "Cash Receipt", "Open", "Draft", "Canceled", "1", "7", "9", "42", "True"]
    ),
)
number_values = st.one_of(
    st.decimals(allow_nan=True, allow_infinity=True),
    st.decimals(min_value=-(10**15), max_value=10**15, places=5),
    st.integers(min_value=-(2**63), max_value=2**63),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["1,234.56", "1.234,56", "12e400", "NaN", "-0", "0x10", "١٢٣"]),
)
date_values = st.one_of(
    st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31)),
    st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(9999, 12, 31)),
    st.sampled_from(["1900-01-01", "9999-12-31", "2026-02-30", "31.12.2025", "12/31/2025", "yesterday", "2026-13-01"]),
)
any_value = st.one_of(st.none(), st.booleans(), text_values, number_values, date_values, st.binary(max_size=8))


def streams() -> list[tuple[str, str]]:
    return [(kind, stream) for kind in KINDS for stream in load_mapping(kind).streams]


def record_count(name: str, rows: int) -> None:
    COUNTS[name] = COUNTS.get(name, 0) + rows
    target = os.environ.get("PROFITLENS_RELIABILITY_COUNTS")
    if target:
        path = Path(target)
        data = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
        data[name] = data.get(name, 0) + rows
        path.write_text(json.dumps(data, indent=1, sort_keys=True), encoding="utf-8")


@pytest.mark.parametrize(("kind", "stream"), streams(), ids=[f"{k}:{s}" for k, s in streams()])
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_every_row_lands_correctly_or_is_quarantined_with_a_reason(kind: str, stream: str, data: st.DataObject) -> None:
    mapping = load_mapping(kind).streams[stream]
    columns = mapping.columns()
    rows = [
        SourceRow(stream, n, data.draw(st.fixed_dictionaries({c: any_value for c in columns})))
        for n in range(1, data.draw(st.integers(1, 8)) + 1)
    ]
    records, issues, skipped = mapping.map_rows(rows, kind)
    assert len(records) + len(issues) + skipped == len(rows)
    for issue in issues:
        assert issue.reason and ":" in issue.reason  # "field: what is wrong"
    for record, _ in records:
        for name in REQUIRED[mapping.table]:
            assert getattr(record, name) not in (None, ""), (name, record)
        for value in vars(record).values() if hasattr(record, "__dict__") else _fields(record):
            if isinstance(value, Decimal):
                assert value.is_finite()
            if isinstance(value, dt.datetime):
                pytest.fail(f"a datetime landed where a date belongs: {record}")
    record_count("mapper rows", len(rows))


def _fields(record: Any) -> list[Any]:
    return [getattr(record, name) for name in record.__slots__] if hasattr(record, "__slots__") else []


# The file-level refusals of connector/files.py these rows can cause (each names the file and line).
FILE_LEVEL_REFUSALS = (
    r"mix decimal commas .* and decimal points|could be a thousand times more or less"
    r"|were read as one row|cannot be read past line|line contains NUL"
)

csv_cell = st.one_of(
    st.sampled_from(["", " ", "C1", "C2", "D1", "D2", "invoice", "payment", "credit_memo", "bogus", '=HYPERLINK("x")']),
    st.sampled_from(["2026-01-31", "1900-01-01", "9999-12-31", "31.01.2026", "2026-02-30"]),
    st.sampled_from(["100.00", "-5", "1e3", "99999999999999999999", "12,50", "1.234,56", "abc"]),
    st.text(max_size=12),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=st.lists(st.tuples(csv_cell, csv_cell, csv_cell, csv_cell, csv_cell), min_size=1, max_size=10),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "mixed"]),
    semicolons=st.booleans(),
)
def test_a_hostile_csv_never_loses_a_row(
    tmp_path_factory: pytest.TempPathFactory, rows: list[tuple[str, ...]], encoding: str, semicolons: bool
) -> None:
    """Encodings (a BOM, cp1252, one cp1252 row among UTF-8 ones), separators and decimal commas."""
    from common.errors import ConnectorError
    from connector.files import FilesConnector
    from profitlens.sync import run_sync

    folder = tmp_path_factory.mktemp("csv")
    (folder / "customers.csv").write_text("customer_id,name\nC1,Alpha\nC2,Beta\n", encoding="utf-8")
    sep = ";" if semicolons else ","
    lines = [sep.join(["document_id", "customer_id", "document_type", "document_date", "amount"])]
    lines += [sep.join('"' + c.replace('"', '""') + '"' for c in row) for row in rows]
    raw = "\r\n".join(lines) + "\r\n"
    if encoding == "mixed":
        payload = (
            raw.encode("utf-8")
            + sep.join(["D9", "C1", "invoice", "2026-01-31", "5"]).encode()
            + "ö\r\n".encode("cp1252")
        )
    else:
        try:
            payload = raw.encode(encoding)
        except UnicodeEncodeError:
            payload = raw.encode("utf-8")
    (folder / "documents.csv").write_bytes(payload)
    expected = len([r for r in rows if any(c.strip() for c in r)]) + (1 if encoding == "mixed" else 0)
    with Store(folder / "l.duckdb") as store:
        try:
            result = run_sync(FilesConnector(folder), load_mapping("files"), store)
        except ConnectorError as exc:  # a file-level problem: nothing taken, the user told why
            # Only what the rows can cause: decimal commas beside points (or a grouping mark that could be
            # either), or a quote or line break inside a cell. Anything else refused is a lost file.
            amounts = [row[4] for row in rows]
            may_refuse = any("," in a for a in amounts) or any(
                ch in cell for row in rows for cell in row for ch in '\r\n\x00"'
            )
            assert may_refuse, f"clean rows refused: {exc.message}"
            assert re.search(FILE_LEVEL_REFUSALS, exc.message), exc.message
            assert store.count("document") == 0
            return
        landed = store.count("document")
        quarantined = store.con.execute("SELECT count(*) FROM quarantine WHERE stream = 'documents'").fetchone()[0]
    counts = result.streams["documents"]
    assert counts.read == landed + quarantined + result.skipped.get("documents", 0)
    assert counts.read <= expected  # a quoted cell may hold a line break; never more rows than written
    record_count("csv rows", len(rows))
