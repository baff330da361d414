"""The mapping engine: apply a declarative mapping file to chunks of source rows.

A mapping file (TOML, one per source kind, in this folder) names, per connector stream, the ledger
table it feeds and, per ledger field, where the value comes from::

    [streams.customers]
    table = "customer"
    [streams.customers.fields]
    customer_id = "CUSTNMBR"                                   # a column
    document_type = { column = "RMDTYPAL", codes = "rm_document_type" }  # a column through a code table
    document_id = { template = "{RMDTYPAL|rm_document_type}:{DOCNUMBR}" } # text built from columns
    commission_rate = { column = "COMPRCNT", scale = "0.0001" }           # GP's percent × 100
    currency = { value = "EUR" }                                          # a constant

Code tables map source codes to ledger values; the value "skip" leaves the row out on purpose
(counted as skipped, not quarantined); `_other = "keep"` passes unknown codes through;
any other `_other` value is given to every code not listed.

Each row becomes a frozen ledger record or an `Issue` naming the field, the value and the problem.
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import re
import tomllib
import typing
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

from common.errors import ConfigError, MappingError, QueryError
from connector.base import SourceRow
from ledger.model import RECORD_TYPES, REQUIRED, Issue, Record, SourceRef, data_fields
from mappings import coerce

SKIP = "skip"
_TEMPLATE_PART = re.compile(r"\{([A-Za-z_][A-Za-z0-9_.]*)(?:\|([A-Za-z_][A-Za-z0-9_]*))?\}")
# Money fields that are stored positive as issued (the document type gives the sign).
NON_NEGATIVE = {
    "document": (
        "amount",
        "open_amount",
        "sales_amount",
        "trade_discount",
        "freight_amount",
        "misc_amount",
        "tax_amount",
        "commission_amount",
        "source_amount",
    ),
    "application": ("amount", "discount_taken", "write_off_amount"),
    "customer": ("credit_limit",),
    "employee": ("hourly_cost",),
}
# Rates kept as fractions (0.05 = 5 %): above 1 is a percentage written as a number, 100 times too much.
FRACTIONS = {"salesperson": ("commission_rate",)}


class _Skip(Exception):
    """The row is left out on purpose (a code mapped to "skip")."""


@dataclass(frozen=True, slots=True)
class FieldRule:
    """Where one ledger field's value comes from."""

    name: str
    column: str | None = None
    template: str | None = None
    value: Any = None
    codes: str | None = None
    scale: Decimal | None = None

    def columns(self) -> list[str]:
        if self.column:
            return [self.column]
        if self.template:
            return [m.group(1) for m in _TEMPLATE_PART.finditer(self.template)]
        return []


@dataclass(frozen=True)
class StreamMapping:
    stream: str
    table: str
    fields: dict[str, FieldRule]
    codes: dict[str, dict[str, str]]
    source_key: tuple[str, ...] = ()
    _types: dict[str, Any] = field(default_factory=dict)

    def columns(self) -> list[str]:
        cols = [c for rule in self.fields.values() for c in rule.columns()]
        return list(dict.fromkeys([*self.source_key, *cols]))

    def required_columns(self) -> list[str]:
        """The source columns without which no row maps: the key's and those of the required fields."""
        cols = [c for name in REQUIRED[self.table] if name in self.fields for c in self.fields[name].columns()]
        return list(dict.fromkeys([*self.source_key, *cols]))

    def map_rows(
        self, rows: Sequence[SourceRow], system: str, company: str = ""
    ) -> tuple[list[tuple[Record, int]], list[Issue], int]:
        """Map a chunk: (records with their row numbers, issues, rows skipped on purpose)."""
        cls = RECORD_TYPES[self.table]
        records: list[tuple[Record, int]] = []
        issues: list[Issue] = []
        skipped = 0
        required = REQUIRED[self.table]
        non_negative = NON_NEGATIVE.get(self.table, ())
        for row in rows:
            values = row.values
            ref = SourceRef(system, row.table, self._key_of(values, row.row_number))
            problems: list[str] = []
            kwargs: dict[str, Any] = {}
            try:
                for name, rule, read in self._readers:
                    try:
                        kwargs[name] = read(values)
                    except coerce.BadValue as exc:
                        problems.append(f"{name}: {exc}")
                    except (ArithmeticError, ValueError, TypeError) as exc:
                        # A value no rule foresaw (sNaN, a byte string…): the row is quarantined, never a crash.
                        problems.append(
                            f"{name}: {coerce.show(values.get(rule.column or ''))} cannot be read ({type(exc).__name__})"
                        )
            except _Skip:
                skipped += 1
                continue
            failed = {p.split(":", 1)[0] for p in problems}
            for name in required:
                if name not in failed and kwargs.get(name) in (None, ""):
                    problems.append(
                        f"{name}: is empty"
                        + (
                            f" (column {self.fields[name].column})"
                            if name in self.fields and self.fields[name].column
                            else ""
                        )
                    )
            for name in FRACTIONS.get(self.table, ()):
                rate = kwargs.get(name)
                if isinstance(rate, Decimal) and rate > 1:
                    problems.append(
                        f"{name}: {rate.normalize():f} is more than 1; a rate is a fraction (0.05 means 5 %)"
                    )
            for name in non_negative:
                amount = kwargs.get(name)
                if isinstance(amount, Decimal) and amount < 0:
                    problems.append(
                        f"{name}: {amount} is negative; amounts are stored as issued and the "
                        f"document type gives the sign"
                    )
            if "__undecodable__" in values:
                problems.append(
                    f"the row is not UTF-8 text (column {values['__undecodable__']}); save the file as CSV UTF-8"
                )
            if "__uncalculated__" in values:
                problems.append(
                    f"{values['__uncalculated__']}: a formula whose value Excel never saved; open the workbook in "
                    "Excel and save it again"
                )
            if "__extra__" in values:
                problems.append(f"the row has {len(values['__extra__'])} more cells than the header")
            if problems:
                issues.append(Issue(self.stream, ref, row.row_number, "; ".join(problems), dict(values)))
                continue
            kwargs = {k: v for k, v in kwargs.items() if v is not None}
            kwargs.setdefault("company", company)
            records.append((cls(source=ref, **kwargs), row.row_number))
        return records, issues, skipped

    def _key_of(self, values: Mapping[str, Any], row_number: int) -> str:
        if not self.source_key:
            return f"row {row_number}"
        return "|".join("" if values.get(c) is None else str(values.get(c)) for c in self.source_key)

    def _code(self, table: str, raw: Any) -> Any:
        codes = self.codes[table]
        key = "" if raw is None else str(raw).strip()
        if key in codes:
            mapped = codes[key]
        elif "_other" in codes:
            if codes["_other"] == SKIP:
                raise _Skip
            if codes["_other"] != "keep":
                return codes["_other"]  # one value for every other code (e.g. "false")
            return raw  # "keep": pass unknown codes through
        else:
            known = ", ".join(k for k in codes if k != "_other")
            raise coerce.BadValue(f"code {coerce.show(raw)} is not in the code table {table} ({known})")
        if mapped == SKIP:
            raise _Skip
        return mapped

    @functools.cached_property
    def _readers(self) -> list[tuple[str, FieldRule, Callable[[Mapping[str, Any]], Any]]]:
        """One function per field, made once per mapping: this runs for every field of every row."""
        return [(name, rule, self._reader(rule)) for name, rule in self.fields.items()]

    def _reader(self, rule: FieldRule) -> Callable[[Mapping[str, Any]], Any]:
        target = self._types[rule.name]
        if target is Decimal and rule.scale is None:
            convert: Callable[[Any], Any] = coerce.to_money
        elif target in _CONVERTERS and target is not Decimal:
            convert = _CONVERTERS[target]
        else:
            return lambda values: self._value(rule, values)  # scaled money, enums: the general path
        column, codes = rule.column, rule.codes
        if rule.template is not None:
            render = self._template_renderer(rule.template)
            return lambda values: convert(render(values))
        if rule.template is None and column is not None and not codes:
            return lambda values: convert(values.get(column))
        if rule.template is None and column is not None and codes:
            return lambda values: convert(self._code(codes, values.get(column)))
        return lambda values: self._value(rule, values)

    @functools.cached_property
    def _renderers(self) -> dict[str, Callable[[Mapping[str, Any]], str | None]]:
        return {}

    def _template_renderer(self, template: str) -> Callable[[Mapping[str, Any]], str | None]:
        """A template's renderer, made once per mapping (it ran 1.9 million times a large sync)."""
        if template not in self._renderers:
            self._renderers[template] = self._make_renderer(template)
        return self._renderers[template]

    def _make_renderer(self, template: str) -> Callable[[Mapping[str, Any]], str | None]:
        pieces: list[tuple[str, str | None, str | None]] = []  # (literal before, column, code table)
        position = 0
        for match in _TEMPLATE_PART.finditer(template):
            pieces.append((template[position : match.start()], match.group(1), match.group(2)))
            position = match.end()
        tail = template[position:]
        literal = _TEMPLATE_PART.sub("", template).strip()

        def render(values: Mapping[str, Any]) -> str | None:
            out = []
            for before, column, codes in pieces:
                out.append(before)
                value = values.get(column)  # type: ignore[arg-type]
                if codes:
                    value = self._code(codes, value)
                out.append("" if value is None else str(value).strip())
            out.append(tail)
            text = "".join(out).strip()
            # A template whose columns are all empty gives nothing, not its separators.
            return None if not text or text == literal else text

        return render

    def _value(self, rule: FieldRule, values: Mapping[str, Any]) -> Any:
        if rule.template is not None:
            raw: Any = self._template_renderer(rule.template)(values)
        elif rule.column is not None:
            raw = values.get(rule.column)
            if rule.codes:
                raw = self._code(rule.codes, raw)
        else:
            raw = rule.value
        return self._coerce(rule, raw)

    def _coerce(self, rule: FieldRule, raw: Any) -> Any:
        target = self._types[rule.name]
        if target is Decimal:
            amount = coerce.to_money(raw)
            if amount is not None and rule.scale is not None:
                amount = amount * rule.scale
            return amount
        convert = _CONVERTERS.get(target)
        if convert is not None:
            return convert(raw)
        if isinstance(target, type) and issubclass(target, enum.StrEnum):
            return coerce.to_enum(raw, target)
        return coerce.to_text(raw)


# One dict lookup per value instead of a chain of type tests (this runs for every field of every row).
_CONVERTERS: dict[Any, Any] = {dt.date: coerce.to_date, bool: coerce.to_bool, int: coerce.to_int, str: coerce.to_text}


@dataclass(frozen=True)
class SourceMapping:
    """All stream mappings of one source kind."""

    kind: str
    streams: dict[str, StreamMapping]


def _field_types(table: str) -> dict[str, Any]:
    hints = typing.get_type_hints(RECORD_TYPES[table])
    out: dict[str, Any] = {}
    for f in data_fields(table):
        hint = hints[f.name]
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        out[f.name] = args[0] if args else hint
    return out


def _rule(name: str, spec: Any, where: str) -> FieldRule:
    if isinstance(spec, str):
        return FieldRule(name, column=spec)
    if not isinstance(spec, dict):
        raise MappingError(f"{where}: a field is a column name or a table with column/template/value")
    unknown = set(spec) - {"column", "template", "value", "codes", "scale"}
    if unknown:
        raise MappingError(
            f"{where}: unknown setting(s) {', '.join(sorted(unknown))}",
            hint="use column, template, value, codes or scale",
        )
    kinds = [k for k in ("column", "template", "value") if k in spec]
    if len(kinds) != 1:
        raise MappingError(f"{where}: give exactly one of column, template or value")
    scale = Decimal(str(spec["scale"])) if "scale" in spec else None
    return FieldRule(
        name,
        column=spec.get("column"),
        template=spec.get("template"),
        value=spec.get("value"),
        codes=spec.get("codes"),
        scale=scale,
    )


def parse_mapping(doc: dict[str, Any], origin: str) -> SourceMapping:
    """Build a mapping from a parsed TOML document, checking every name it uses."""
    codes = {name: {str(k): str(v) for k, v in table.items()} for name, table in doc.get("codes", {}).items()}
    streams: dict[str, StreamMapping] = {}
    raw_streams: dict[str, Any] = doc.get("streams", {})
    for stream, spec in raw_streams.items():
        where = f"{origin} [streams.{stream}]"
        table = spec.get("table")
        if table not in RECORD_TYPES:
            raise MappingError(f"{where}: table {table!r} is not a ledger table ({', '.join(RECORD_TYPES)})")
        field_specs = dict(raw_streams.get(spec["fields_from"], {}).get("fields", {})) if "fields_from" in spec else {}
        field_specs.update(spec.get("fields", {}))
        types = _field_types(table)
        rules: dict[str, FieldRule] = {}
        for name, fspec in field_specs.items():
            if name not in types:
                raise MappingError(f"{where}: {name!r} is not a field of {table} ({', '.join(types)})")
            rule = _rule(name, fspec, f"{where} field {name}")
            for code_table in [rule.codes, *[m.group(2) for m in _TEMPLATE_PART.finditer(rule.template or "")]]:
                if code_table and code_table not in codes:
                    raise MappingError(f"{where} field {name}: no code table [codes.{code_table}]")
            rules[name] = rule
        missing = [r for r in REQUIRED[table] if r not in rules]
        if missing:
            raise MappingError(f"{where}: required field(s) {', '.join(missing)} are not mapped")
        source_key = tuple(spec.get("source_key", ()))
        streams[stream] = StreamMapping(stream, table, rules, codes, source_key, types)
    return SourceMapping(str(doc.get("kind", origin)), streams)


def load_mapping(
    kind: str, overrides: Mapping[str, Mapping[str, Any]] | None = None, path: Path | None = None
) -> SourceMapping:
    """Load the mapping for a source kind (or from `path`), with user overrides per ledger table.

    `overrides` is the `[source.mapping.<table>]` part of the configuration, e.g.
    ``{"customer": {"referred_by": "USERDEF1"}}``; it applies to every stream feeding that table.

    Raises:
        MappingError: the mapping file is wrong.
        ConfigError: an override names an unknown table or field (names the key).
    """
    if path is not None:
        text, origin = path.read_text(encoding="utf-8"), str(path)
    else:
        res = resources.files("mappings").joinpath(f"{kind}.toml")
        if not res.is_file():
            raise ConfigError(f"no mapping for source kind {kind!r}", key="source.kind")
        text, origin = res.read_text(encoding="utf-8"), f"mappings/{kind}.toml"
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise MappingError(f"{origin}: {exc}") from exc
    for table, fields in (overrides or {}).items():
        if table not in RECORD_TYPES:
            raise ConfigError(
                f"{table!r} is not a ledger table",
                key=f"source.mapping.{table}",
                hint=f"use one of {', '.join(RECORD_TYPES)}",
            )
        types = _field_types(table)
        targets = [s for s in doc.get("streams", {}).values() if s.get("table") == table]
        for name, spec in fields.items():
            if name not in types:
                raise ConfigError(
                    f"{name!r} is not a field of {table}",
                    key=f"source.mapping.{table}.{name}",
                    hint=f"fields are {', '.join(types)}",
                )
            for target in targets:
                target.setdefault("fields", {})[name] = spec
    return parse_mapping(doc, origin)


def check_header(sm: StreamMapping, file_name: str, header: Sequence[str]) -> None:
    """Refuse a file whose first row lacks a column every row needs (each row would be quarantined and,
    the file being a snapshot, the table's rows removed from the ledger)."""
    if not header:
        raise QueryError(
            f"{file_name} is empty: not even a first row naming the columns",
            stream=sm.stream,
            hint="export the file again; the columns are in docs/configuration.md (the ledger as files)",
        )
    missing = [c for c in sm.required_columns() if c not in header]
    if missing:
        shown = ", ".join(header[:8]) + (", …" if len(header) > 8 else "")
        raise QueryError(
            f"{file_name} has no column {', '.join(missing)} (its first row: {shown})",
            stream=sm.stream,
            hint="name the columns as in docs/configuration.md (the ledger as files), exactly, in the first row",
        )


def check_columns(mapping: SourceMapping, available: Mapping[str, Sequence[str] | None]) -> None:
    """Refuse a mapping that names a column its stream does not have (before any row is read)."""
    for stream, sm in mapping.streams.items():
        known = available.get(stream)
        if known is None:
            continue
        lowered = {c.lower() for c in known}
        for column in sm.columns():
            if column.lower() not in lowered:
                raise ConfigError(
                    f"column {column!r} is not in the source stream {stream}",
                    key=f"mapping of {sm.table}",
                    hint="check the column name against the ERP table",
                )
