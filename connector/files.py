"""The ledger as files: a folder of CSV (or XLSX) files named after the ledger tables.

`customers.csv` and `documents.csv` are required; the others are optional. Columns carry the
ledger's names; CSV is comma-separated UTF-8 (a BOM is fine) with ISO dates and '.' decimals, or
semicolon-separated with decimal commas (Excel's CSV where the comma is the decimal separator).
A workbook `<name>.xlsx` may stand in for `<name>.csv` (first sheet, header in row 1).
Values are passed on as text (XLSX: as the cell holds them); the mapping validates them.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from common.errors import ConnectorError, QueryError
from connector.base import DEFAULT_CHUNK_ROWS, SourceRow, Watermark

FILES: dict[str, str] = {
    "customers": "customers",
    "salespeople": "salespeople",
    "employees": "employees",
    "documents": "documents",
    "document_lines": "document_lines",
    "applications": "applications",
    "labour": "labour",
    "activity_events": "activity_events",
}
REQUIRED_FILES = ("customers", "documents")
SNAPSHOT = Watermark("snapshot")


class FilesConnector:
    """Reads the ledger-as-files folder."""

    def __init__(self, folder: Path | str, *, system: str = "files", chunk_rows: int = DEFAULT_CHUNK_ROWS) -> None:
        self.folder = Path(folder)
        self.system = system
        self.chunk_rows = chunk_rows
        self._fingerprinted: dict[str, Path] = {}  # the file each stream's fingerprint was taken of
        if not self.folder.is_dir():
            raise ConnectorError(
                f"the source folder {self.folder} does not exist",
                hint="set [source] path to the folder holding customers.csv and documents.csv",
            )
        for stream in REQUIRED_FILES:
            if self._path(stream) is None:
                raise QueryError(
                    f"{self.folder} has no {FILES[stream]}.csv",
                    stream=stream,
                    hint="customers.csv and documents.csv are required",
                )

    def _path(self, stream: str) -> Path | None:
        for suffix in (".csv", ".xlsx"):
            path = self.folder / (FILES[stream] + suffix)
            if path.is_file():
                return path
        return None

    def stream_names(self) -> Sequence[str]:
        return list(FILES)

    def available_columns(self, stream: str) -> Sequence[str] | None:
        return None

    def watermark(self, stream: str) -> Watermark | None:
        # A file is a snapshot of its table: when it changes it is read whole and replaces what
        # was read from it before (rows deleted from the file leave the ledger too).
        return SNAPSHOT

    def fingerprint(self, stream: str) -> str | None:
        """SHA-256 of the file's bytes ("absent" when the optional file is not there)."""
        path = self._path(stream)
        if path is None:
            return "absent"
        self._fingerprinted[stream] = path
        digest = hashlib.sha256()
        try:
            with open(path, "rb") as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(block)
        except OSError as exc:
            raise ConnectorError(f"cannot read {path}: {exc.strerror}") from exc
        return f"{path.name}:{digest.hexdigest()}"

    def header(self, stream: str) -> tuple[str, list[str]] | None:
        """(file name, its column names) of the stream's file; None when the optional file is absent."""
        path = self._path(stream)
        return None if path is None else (path.name, read_header(path))

    def read(self, stream: str, columns: Sequence[str], since: str | None = None) -> Iterator[list[SourceRow]]:
        path = self._path(stream)
        if path is None:
            seen = self._fingerprinted.get(stream)
            if seen is not None or stream in REQUIRED_FILES:
                # Read as empty, the file's rows would all be removed from the ledger.
                name = seen.name if seen is not None else f"{FILES[stream]}.csv"
                raise ConnectorError(
                    f"{name} was in {self.folder} when the sync began and is gone now",
                    hint="let the export finish writing its files, then sync again",
                )
            return
        rows = _read_xlsx(path) if path.suffix == ".xlsx" else _read_csv(path)
        chunk: list[SourceRow] = []
        for row_number, values in rows:
            chunk.append(SourceRow(path.name, row_number, values))
            if len(chunk) >= self.chunk_rows:
                yield chunk
                chunk = []
        if chunk:
            yield chunk

    def close(self) -> None:
        pass


_UNDECODABLE = re.compile("[\udc80-\udcff]")
_DECIMAL_COMMA = re.compile(r"^\s*-?(\d{1,3}(\.\d{3})+|\d+),\d+\s*$")


def _csv_dialect(first: str) -> tuple[str, bool]:
    """(delimiter, whether the first line is Excel's `sep=` line) from the file's first line: a `sep=X`
    line names it; else tabs, semicolons (Excel where the decimal separator is a comma) or commas,
    whichever the header holds most of."""
    hint = re.fullmatch(r"sep=(.)\s*", first.rstrip("\r\n"))
    if hint is not None:
        return hint.group(1), True
    counts = {",": first.count(","), ";": first.count(";"), "\t": first.count("\t")}
    best = max(counts, key=lambda d: (counts[d], d == ","))
    return (best if counts[best] else ","), False


def _read_csv(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """Rows of a CSV file. Comma-separated with '.' decimals, or, as Excel writes it where the
    decimal separator is a comma (de, es, nb, sv, fi), semicolon-separated with decimal commas; tab-
    separated, and Excel's `sep=` first line, too. A row with bytes that are not UTF-8 is marked, so the
    mapping quarantines that row alone."""
    try:
        handle = open(path, newline="", encoding="utf-8-sig", errors="surrogateescape")  # noqa: SIM115 - closed below
    except OSError as exc:
        raise ConnectorError(f"cannot read {path}: {exc.strerror}") from exc
    with handle:
        first = handle.readline()  # the header line decides the separator (utf-8-sig drops a BOM)
        delimiter, hinted = _csv_dialect(first)
        if not hinted:
            handle.seek(0)
        semicolons = delimiter == ";"
        reader = csv.reader(handle, delimiter=delimiter)
        header = _header(path, next(reader, []))
        if not any(header):
            return
        for index, read in enumerate(_rows(path, reader), start=3 if hinted else 2):
            if not any(c.strip() for c in read):
                continue  # blank lines are not rows
            cells = [_decimal_comma(c) for c in read] if semicolons else read
            values: dict[str, Any] = {h: (cells[i] if i < len(cells) else None) for i, h in enumerate(header)}
            if len(cells) > len(header):
                values["__extra__"] = cells[len(header) :]
            bad = next((h for h, v in values.items() if isinstance(v, str) and _UNDECODABLE.search(v)), None)
            if bad is not None:
                values = {"__undecodable__": bad}
            yield index, values


def _rows(path: Path, reader: Any) -> Iterator[list[str]]:
    """The reader's rows; a line the csv module cannot split is one line naming the file and line."""
    try:
        yield from reader
    except csv.Error as exc:
        raise ConnectorError(
            f"{path.name} cannot be read past line {reader.line_num}: {exc}",
            hint='a double quote (") that opens a field and never closes takes the rest of the file with it; '
            "fix that line in the export",
        ) from None


def _header(path: Path, cells: Sequence[Any]) -> list[str]:
    """The column names of a file's first row; refused when unreadable or when a name repeats (the
    later column would silently win)."""
    header = [str(h).strip() if h is not None else "" for h in cells]
    if any(_UNDECODABLE.search(h) for h in header):
        # Without readable column names no row can be mapped: the file as a whole is refused.
        raise ConnectorError(
            f"{path.name} is not UTF-8 text (its header line)",
            hint="save it as CSV UTF-8 (Excel: 'CSV UTF-8 (comma delimited)')",
        )
    seen: set[str] = set()
    for name in header:
        if name and name in seen:
            raise ConnectorError(
                f"{path.name} has two columns named {name!r}", hint="rename or remove one of them in the export"
            )
        seen.add(name)
    return header


def read_header(path: Path) -> list[str]:
    """The column names of a CSV or XLSX file, as its rows will be read ([] for an empty file)."""
    if path.suffix == ".xlsx":
        from openpyxl import load_workbook  # noqa: PLC0415 - only for workbook sources

        try:
            book = load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a broken file
            raise ConnectorError(f"cannot read the workbook {path.name}: {exc}") from exc
        try:
            first = next(book.worksheets[0].iter_rows(values_only=True), ())
        finally:
            book.close()
        return [h for h in _header(path, first) if h]
    try:
        with open(path, newline="", encoding="utf-8-sig", errors="surrogateescape") as handle:
            first = handle.readline()
            delimiter, hinted = _csv_dialect(first)
            line = handle.readline() if hinted else first
    except OSError as exc:
        raise ConnectorError(f"cannot read {path}: {exc.strerror}") from exc
    return [h for h in _header(path, next(csv.reader([line], delimiter=delimiter), [])) if h]


def _decimal_comma(cell: str) -> str:
    """'1.234,56' → '1234.56' in a semicolon file (other cells unchanged)."""
    if _DECIMAL_COMMA.match(cell):
        return cell.replace(".", "").replace(",", ".")
    return cell


def _read_xlsx(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    from openpyxl import load_workbook  # noqa: PLC0415 - only for workbook sources

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise ConnectorError(f"cannot read the workbook {path.name}: {exc}") from exc
    try:
        sheet = book.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = _header(path, next(rows, ()))
        for index, cells in enumerate(rows, start=2):
            if all(c is None or (isinstance(c, str) and not c.strip()) for c in cells):
                continue
            values = {h: _cell(cells[i]) if i < len(cells) else None for i, h in enumerate(header) if h}
            yield index, values
    finally:
        book.close()


def _cell(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.date() if value.time() == dt.time() else value
    if isinstance(value, float):
        return repr(value)  # keep the exact decimal text; the mapping makes it a Decimal
    return value
