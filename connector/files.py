"""The ledger as files: a folder of CSV (or XLSX) files named after the ledger tables.

`customers.csv` and `documents.csv` are required; the others are optional. Columns carry the
ledger's names; CSV is comma-separated UTF-8 (a BOM is fine) with ISO dates and '.' decimals, or
semicolon- or tab-separated with decimal commas and '.' between thousands (Excel's CSV where the comma
is the decimal separator; the export's own amounts tell which mark it uses: `decimal_mark`).
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
from ledger.model import RECORD_TYPES, data_fields

FILES: dict[str, str] = {
    "customers": "customers",
    "salespeople": "salespeople",
    "employees": "employees",
    "items": "items",
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

    def __init__(
        self,
        folder: Path | str,
        *,
        system: str = "files",
        chunk_rows: int = DEFAULT_CHUNK_ROWS,
        decimal: str | None = None,
    ) -> None:
        self.folder = Path(folder)
        self.decimal = decimal  # None: each file's own numbers tell
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

    def _decimal_mark(self) -> str:
        """The decimal mark of the folder's files that are not comma-separated: the setting, else the
        files' own amounts, read once per sync (see `decimal_mark`)."""
        if self.decimal is None:
            paths = [p for s in FILES if (p := self._path(s)) is not None and p.suffix == ".csv"]
            self.decimal = decimal_mark(paths)
        return self.decimal

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
        rows = _read_xlsx(path) if path.suffix == ".xlsx" else _read_csv(path, self._decimal_mark())
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
_GROUPED = re.compile(r"^\s*-?\d{1,3}(\.\d{3})+\s*$")  # '1.234', '12.500': thousands, or three decimals
_DECIMAL_POINT = re.compile(r"^\s*-?\d+\.\d+\s*$")  # (tested after _GROUPED): a point that is a decimal point
# The ledger's amount columns (what the files mapping reads as numbers): only these are converted.
AMOUNT_COLUMNS = frozenset(
    f.name for table in RECORD_TYPES for f in data_fields(table) if str(f.type).startswith("Decimal")
)


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


def _open_csv(path: Path) -> tuple[Any, str, bool]:
    """(handle at the header row, delimiter, whether a `sep=` line came first)."""
    try:
        handle = open(path, newline="", encoding="utf-8-sig", errors="surrogateescape")  # noqa: SIM115 - the caller closes it
    except OSError as exc:
        raise ConnectorError(f"cannot read {path}: {exc.strerror}") from exc
    first = handle.readline()  # the header line decides the separator (utf-8-sig drops a BOM)
    delimiter, hinted = _csv_dialect(first)
    if not hinted:
        handle.seek(0)
    return handle, delimiter, hinted


def _read_csv(path: Path, decimal: str | None = None) -> Iterator[tuple[int, dict[str, Any]]]:
    """Rows of a CSV file. Comma-separated with '.' decimals, or, as Excel writes it where the
    decimal separator is a comma (de, es, nb, sv, fi), semicolon- (or tab-) separated with decimal commas
    and '.' between thousands; Excel's `sep=` first line too. A file that is not comma-separated has the
    decimal mark `decimal` (the connector learns it from the export's own numbers: `decimal_mark`); a
    comma-separated one has '.'. Only the amount columns are converted. A row with bytes that are not
    UTF-8 is marked, so the mapping quarantines that row alone."""
    handle, delimiter, hinted = _open_csv(path)
    with handle:
        reader = csv.reader(handle, delimiter=delimiter)
        header = _header(path, next(reader, []))
        if not any(header):
            return
        mark = "." if delimiter == "," else decimal
        amounts = [i for i, h in enumerate(header) if h in AMOUNT_COLUMNS] if mark == "," else []
        offset = 1 if hinted else 0  # the `sep=` line, read before the csv reader began
        last = reader.line_num + offset
        for read in _rows(path, reader):
            # A row is numbered by the line it starts on; one that runs over several lines either has a
            # quoted line break in a field, or a stray quote that swallowed the lines after it.
            index, last = last + 1, reader.line_num + offset
            if not any(c.strip() for c in read):
                continue  # blank lines are not rows
            joined = last > index and any("\n" in c and delimiter in c for c in read)
            cells = read
            if amounts:
                cells = list(read)
                for i in amounts:
                    if i < len(cells):
                        cells[i] = _decimal_comma(cells[i])
            values: dict[str, Any] = {h: (cells[i] if i < len(cells) else None) for i, h in enumerate(header)}
            if len(cells) > len(header):
                values["__extra__"] = cells[len(header) :]
            bad = next((h for h, v in values.items() if isinstance(v, str) and _UNDECODABLE.search(v)), None)
            if bad is not None:
                values = {"__undecodable__": bad}
            if joined:
                # Read on, every row after it would be off; quarantined, a swallowed row's key would
                # vanish from the ledger. The file is refused, naming where to look.
                raise ConnectorError(
                    f'{path.name}: lines {index}–{last} were read as one row: a double quote (") opens a field '
                    f"on line {index} and closes only on line {last}",
                    hint="fix the quotes on that line of the export (a quote inside a field is written twice)",
                )
            yield index, values


def _scan(path: Path) -> Iterator[tuple[int, str, str]]:
    """(line, column, cell) of every amount cell of a file that is not comma-separated."""
    handle, delimiter, hinted = _open_csv(path)
    with handle:
        if delimiter == ",":
            return
        reader = csv.reader(handle, delimiter=delimiter)
        header = [h.strip() for h in next(reader, [])]
        amounts = [i for i, h in enumerate(header) if h in AMOUNT_COLUMNS]
        for index, cells in enumerate(_rows(path, reader), start=3 if hinted else 2):
            for i in amounts:
                if i < len(cells):
                    yield index, header[i], cells[i]


def decimal_mark(paths: Sequence[Path]) -> str:
    """',' or '.' for the export's files that are not comma-separated, from their own amounts (one
    export, one program, one mark): a decimal comma ('12,5', '1.234,56') says ',', a decimal point that
    cannot separate thousands ('12.50', '0.5') says '.'. Both, or only numbers like '1.234' (one thousand
    two hundred thirty-four, or one point two three four?), is refused: a guess could make amounts a
    thousand times wrong."""
    comma = point = grouped = None
    for path in paths:
        for index, column, cell in _scan(path):
            where = (path.name, index, column, cell)
            if _DECIMAL_COMMA.match(cell):
                comma = comma or where
            elif _GROUPED.match(cell):
                grouped = grouped or where
            elif _DECIMAL_POINT.match(cell):
                point = point or where
            if comma and point:
                break
    setting = 'set [source] decimal = "," (where 1.234 is one thousand two hundred thirty-four) or "."'
    if comma and point:
        raise ConnectorError(
            f"the files mix decimal commas ({comma[0]} line {comma[1]}, {comma[2]}: {comma[3]!r}) and decimal "
            f"points ({point[0]} line {point[1]}, {point[2]}: {point[3]!r}); their amounts cannot all be read "
            "the same way",
            hint=f"export them again from one program, or {setting}",
        )
    if comma or point:
        return "," if comma else "."
    if grouped:
        raise ConnectorError(
            f"{grouped[0]}: {grouped[3]!r} (line {grouped[1]}, {grouped[2]}) could be a thousand times more or "
            "less, and no amount in the files shows which mark they use for decimals",
            hint=setting,
        )
    return ","  # no amount with a fraction at all: how it is read makes no difference


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
    handle, delimiter, _hinted = _open_csv(path)
    with handle:
        return [h for h in _header(path, next(csv.reader(handle, delimiter=delimiter), [])) if h]


def _decimal_comma(cell: str) -> str:
    """An amount written with a decimal comma as the ledger reads it: '1.234,56' → '1234.56',
    '12.500' → '12500' (other text unchanged, for the mapping to judge)."""
    if _DECIMAL_COMMA.match(cell) or _GROUPED.match(cell):
        return cell.replace(".", "").replace(",", ".")
    return cell


def _read_xlsx(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """Rows of the first sheet, each cell as Excel last calculated it. A formula whose value Excel never
    saved (the file written by another program, or not recalculated) is marked, so the mapping quarantines
    the row instead of reading an empty cell (a cost of 0)."""
    from openpyxl import load_workbook  # noqa: PLC0415 - only for workbook sources

    try:
        book = load_workbook(path, read_only=True, data_only=True)
        formulas = load_workbook(path, read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise ConnectorError(f"cannot read the workbook {path.name}: {exc}") from exc
    try:
        rows = book.worksheets[0].iter_rows(values_only=True)
        written = formulas.worksheets[0].iter_rows(values_only=True)
        header = _header(path, next(rows, ()))
        next(written, ())
        for index, (cells, raw) in enumerate(zip(rows, written, strict=False), start=2):
            blank = all(c is None or (isinstance(c, str) and not c.strip()) for c in cells)
            if blank and not any(isinstance(r, str) and r.startswith("=") for r in raw):
                continue
            values = {h: _cell(cells[i]) if i < len(cells) else None for i, h in enumerate(header) if h}
            uncalculated = [
                h
                for i, h in enumerate(header)
                if h and i < len(cells) and cells[i] is None and i < len(raw) and str(raw[i] or "").startswith("=")
            ]
            if uncalculated:
                values["__uncalculated__"] = uncalculated[0]
            yield index, values
    finally:
        book.close()
        formulas.close()


def _cell(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.date() if value.time() == dt.time() else value
    if isinstance(value, float):
        return repr(value)  # keep the exact decimal text; the mapping makes it a Decimal
    return value
