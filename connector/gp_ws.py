"""Dynamics GP through GP Web Services (SOAP), for sites that grant no SQL access.

Every list operation of the service (GetCustomerList, GetReceivablesDocumentList, …) returns its
answer at once, with no paging, and **holds at most the first 1,000 items that meet the criteria,
cutting the rest without a word** (the GP Web Services programmer's guide, "Lists of objects"; the
number is a server setting, `list_limit` here). So no list is ever asked unbounded, and an answer of
`list_limit` items is taken as cut: the connector asks in date windows on the stream's date
restriction (ModifiedDate, or Date where the criteria have no ModifiedDate), halves a window whose
answer is cut or too large (WCF's item or message quota, or `max_response_bytes`), and splits a
single day, or a list with no date restriction (employees, projects), into key ranges on the
criteria's key restriction (`Id`, `DocumentId`, `EmployeeKeyId`): below a key, the key itself, above
it. Old records come in one window before the last year, recent ones month by month.

List operations return summaries; what the ledger needs beyond them (open amount, due date, void
flag, lines, credit limit) comes from one `Get…ByKey` call per record. Amounts are asked in the
functional currency (`Context.CurrencyType = Local`), like GP SQL's plain amount columns.

Rows are the service's objects flattened to dotted names, true to the contract:
`Key.Id`, `CustomerKey.Id`, `DocumentAmount.Value` (MoneyAmount{Currency, Value, DecimalDigits}),
`Terms.DueDate`, `Quantity.Value`; line rows carry their document's fields as `document.…`.
Enumerations arrive as the service spells them ('Credit Memo', 'Cash Receipt').

GP Web Services has no apply records (RM20201/RM30201). The `applications` stream rebuilds them
from what it has: each debit document's settled amount (DocumentAmount − CurrentDocumentAmount)
is matched oldest-first with the customer's credits (connector/gp_ws_apply.py). Open amounts are
exact; which payment settled which invoice, and when, is inferred. Use GP SQL where payment
timing matters.
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import Any

from common.errors import ConnectorError, QueryError
from connector.base import DEFAULT_CHUNK_ROWS, SourceRow, Watermark
from connector.gp_values import GP_EMPTY_DATE
from connector.gp_ws_apply import Settlement, reconstruct
from connector.gp_ws_keys import DEFAULT_LIST_LIMIT, MAX_KEY_SPLITS, KeyRange, between
from connector.gp_ws_soap import ResponseTooLarge, SoapClient
from connector.gp_ws_streams import ITEM_CLASSES, PROJECTS, RECEIVABLES_BY_KEY, STREAMS, WsStream

log = logging.getLogger(__name__)

FLOOR = GP_EMPTY_DATE  # the first window starts at GP's "no date"
LAST_DAY = dt.date(9999, 12, 31)  # SQL Server's last datetime day: a whole read's last window ends here


class GpWebServicesConnector:
    """Reads one GP company through GP Web Services."""

    def __init__(
        self,
        client: SoapClient,
        *,
        system: str = "gp-ws",
        history_from: dt.date | None = None,
        window_days: int = 31,
        list_limit: int = DEFAULT_LIST_LIMIT,
        chunk_rows: int = DEFAULT_CHUNK_ROWS,
        today: dt.date | None = None,
    ) -> None:
        self.client = client
        self.list_limit = list_limit
        self.system = system
        self.history_from = history_from
        self.window_days = window_days
        self.chunk_rows = chunk_rows
        self.today = today or dt.date.today()
        self.describe = client.describe
        self.windows_shrunk = 0  # requests narrowed because an answer was too large
        self.lists_cut = 0  # answers of list_limit items, asked again in narrower criteria
        self._project_customers: dict[str, str] | None = None
        self._class_descriptions: dict[str, Any] | None = None
        # What is open on each document whose record the receivables stream fetched in this run: the
        # applications stream needs the same figure and would otherwise ask every open document again.
        self._open_amounts: dict[tuple[str, str], Decimal] = {}
        # Which documents are voided: GP's list summaries do not say, only each record (IsVoided). What the
        # receivables stream read in this run, else what the ledger holds (`use_voided`, before reading).
        self._voided_now: dict[tuple[str, str], bool] = {}
        self._voided_before: frozenset[str] = frozenset()

    def __repr__(self) -> str:
        return f"GpWebServicesConnector({self.client!r})"

    # -- the connector protocol -------------------------------------------------------------------

    def stream_names(self) -> Sequence[str]:
        return list(STREAMS)

    def available_columns(self, stream: str) -> Sequence[str] | None:
        return None  # the service's field names; the mapping's names are checked against rows

    def watermark(self, stream: str) -> Watermark | None:
        return STREAMS[stream].watermark

    def fingerprint(self, stream: str) -> str | None:
        return None

    def read(self, stream: str, columns: Sequence[str], since: str | None = None) -> Iterator[list[SourceRow]]:
        spec = STREAMS[stream]
        rows = self._application_rows() if spec.name == "applications" else self._rows(spec, since)
        chunk: list[SourceRow] = []
        for row_number, (values, cursor) in enumerate(rows, start=1):
            chunk.append(SourceRow(spec.operation.removeprefix("Get").removesuffix("List"), row_number, values, cursor))
            if len(chunk) >= self.chunk_rows:
                yield chunk
                chunk = []
        if chunk:
            yield chunk

    def use_voided(self, source_keys: frozenset[str]) -> None:
        """The receivables the ledger holds as voided, by source key ("Invoice|INV1"): the sync tells the
        connector before reading, so that the rebuilt payment matching leaves them out even when this
        run does not read their records again (GP moves a voided document to history, with nothing open:
        it looks paid, and would take a payment's money from the invoice the payment really settled)."""
        self._voided_before = source_keys

    def close(self) -> None:
        self._open_amounts.clear()  # one sync's snapshot, never the next one's
        self._voided_now.clear()
        self.client.close()

    def probe(self) -> None:
        """Sign in and ask for the company list: proves the account, the role and the endpoint."""
        self.client.call("GetCompanyList", criteria={}, stream="companies")

    # -- reading ----------------------------------------------------------------------------------

    def _rows(self, spec: WsStream, since: str | None) -> Iterator[tuple[dict[str, Any], str | None]]:
        for summaries in self._summaries(spec, since):
            for summary in summaries:
                values = flatten(summary)
                cursor = _cursor(values.get(spec.window)) if spec.window else None
                if spec.name == "items":
                    values = self._item(values)
                record = self._record(spec, summary, values)
                if record is None:
                    yield values, cursor
                elif spec.lines is None:
                    merged = {**flatten(record), **values}
                    if (
                        merged.get("TransactionState") == "History"
                        and merged.get("CurrentDocumentAmount.Value") is None
                    ):
                        # GP moves a document to history once nothing is open on it (a cash receipt
                        # has no current amount in the service at all).
                        merged["CurrentDocumentAmount.Value"] = Decimal(0)
                    current = merged.get("CurrentDocumentAmount.Value")
                    document = (str(values.get("Type")), str(values.get("Key.Id")))
                    if spec.name == "receivables" and isinstance(current, Decimal):
                        self._open_amounts[document] = current
                    if spec.name == "receivables":
                        self._voided_now[document] = merged.get("IsVoided") is True
                    yield merged, cursor
                else:
                    header = {f"document.{k}": v for k, v in {**flatten(record), **values}.items()}
                    for line in _items(getattr(record, spec.lines, None)):
                        if spec.name == "timesheets":
                            header["document.CustomerKey.Id"] = self._customer_of_project(line)
                        yield {**header, **flatten(line)}, cursor

    def _summaries(self, spec: WsStream, since: str | None) -> Iterator[list[Any]]:
        """Lists of summaries, window by window, each sorted by the window field (the cursor)."""
        if spec.window is None:
            yield [s for state in spec.states or (None,) for s in self._complete(spec, state, None, KeyRange())]
            return
        start = dt.date.fromisoformat(since[:10]) if since and spec.incremental else FLOOR
        if spec.window == "Date" and self.history_from and not since and spec.incremental:
            start = max(start, self.history_from)
        end = self.today + dt.timedelta(days=1)
        recent = max(start, end - dt.timedelta(days=365))  # the last year month by month, before it one window
        bounds = [start] if start < recent else []
        day = recent
        while day < end:
            bounds.append(day)
            day += dt.timedelta(days=self.window_days)
        bounds.append(end)
        if not spec.incremental:
            bounds.append(LAST_DAY)  # a whole read: documents dated ahead (post-dated) too
        for lo, hi in itertools.pairwise(bounds):
            found = [s for state in spec.states or (None,) for s in self._complete(spec, state, (lo, hi), KeyRange())]
            found.sort(key=lambda s: _cursor(getattr(s, spec.window or "", None)) or "")
            yield found

    def _complete(
        self, spec: WsStream, state: str | None, window: tuple[dt.date, dt.date] | None, keys: KeyRange, depth: int = 0
    ) -> list[Any]:
        """Every summary the criteria match, however many: a window whose answer is cut at list_limit or
        too large is halved, a single day (or an undated list) split into key ranges, until each fits."""
        try:
            found: list[Any] | None = self._list(spec, state, window, keys)
        except ResponseTooLarge as exc:
            found, problem = None, exc.message
        if found is not None and (len(found) < self.list_limit or keys.equal is not None):
            return found
        if found is not None:
            self.lists_cut += 1
            problem = f"{spec.operation} answered {len(found):,} items, the list limit (list_limit), so it may be cut"
        else:
            self.windows_shrunk += 1
        if window is not None and window[1] - window[0] > dt.timedelta(days=1):
            lo, hi = window
            mid = lo + (hi - lo) / 2
            log.info("%s: %s; asking %s to %s in two halves", spec.name, problem, lo, hi)
            return self._complete(spec, state, (lo, mid), keys) + self._complete(spec, state, (mid, hi), keys)
        at = _middle_key(found, spec.key_path) if found else between(keys.above, keys.below)
        if at is None or depth >= MAX_KEY_SPLITS:
            where = f"on {window[0]}" if window else "in one key range"
            raise ConnectorError(
                f"{problem}; even asked {where} by key it does not fit one answer",
                stream=spec.name,
                hint="raise max_response_bytes, or the service's list limit (then list_limit) and its "
                "maxItemsInObjectGraph / maxReceivedMessageSize",
            )
        log.info("%s: %s; asking by %s below, at and above %r", spec.name, problem, spec.key, at)
        return [s for part in keys.split(at) for s in self._complete(spec, state, window, part, depth + 1)]

    def _list(
        self, spec: WsStream, state: str | None, window: tuple[dt.date, dt.date] | None, keys: KeyRange
    ) -> list[Any]:
        criteria: dict[str, Any] = dict(spec.extra)
        if state is not None:
            criteria["TransactionState"] = {"EqualValue": state}
        if window is not None and spec.window is not None:
            lo, hi = window
            criteria[spec.window] = {
                "From": dt.datetime.combine(lo, dt.time()),
                "To": dt.datetime.combine(hi - dt.timedelta(days=1), dt.time(23, 59, 59)),
            }
        if restriction := keys.restriction():
            criteria[spec.key] = restriction
        result = self.client.call(spec.operation, criteria=criteria, stream=spec.name)
        return _items(result)

    def _record(self, spec: WsStream, summary: Any, values: dict[str, Any]) -> Any:
        if spec.by_key is None:
            return None
        operation = spec.by_key
        if operation == "receivables":
            found = RECEIVABLES_BY_KEY.get(str(values.get("Type")))
            if found is None:
                return None  # balance brought forward, scheduled payment: the summary is all there is
            operation = found
        try:
            return self.client.call(operation, key=summary.Key, stream=spec.name)
        except ResponseTooLarge as exc:
            raise ConnectorError(
                f"{exc.message} ({operation} {values.get('Key.Id')})",
                stream=spec.name,
                hint="raise max_response_bytes: one record cannot be asked in parts",
            ) from None

    def _item(self, values: dict[str, Any]) -> dict[str, Any]:
        """An item summary with its class's description and one kind: the service's Type ('Sales Item',
        'Kit', 'Miscellaneous Charges', 'Service', 'Flat Fee'), or 'Discontinued' where IsDiscontinued is set
        (GP SQL's ITEMTYPE 2; the service keeps it apart from the type)."""
        if self._class_descriptions is None:
            self._class_descriptions = {}
            for found in self._complete(ITEM_CLASSES, None, None, KeyRange()):
                item_class = flatten(found)
                if item_class.get("Key.Id"):
                    self._class_descriptions[str(item_class["Key.Id"])] = item_class.get("Description")
        kind = "Discontinued" if values.get("IsDiscontinued") is True else values.get("Type")
        return {
            **values,
            "ClassDescription": self._class_descriptions.get(str(values.get("ClassKey.Id"))),
            "ItemKind": kind,
        }

    def _customer_of_project(self, line: Any) -> str | None:
        if self._project_customers is None:
            self._project_customers = {}
            for summary in self._complete(PROJECTS, None, None, KeyRange()):
                values = flatten(summary)
                if values.get("Key.Id"):
                    self._project_customers[str(values["Key.Id"])] = str(values.get("CustomerKey.Id") or "")
        project = flatten(line).get("ProjectKey.Id")
        if not project:
            return None
        customer = self._project_customers.get(str(project))
        if not customer:
            # Not in the list, or its summary without a customer: the project's own record has it.
            try:
                record = flatten(self.client.call("GetProjectByKey", key={"Id": project}, stream="timesheets"))
            except QueryError:
                return None  # "Business object not found": a project deleted since; the line stays unassigned
            customer = str(record.get("CustomerKey.Id") or "")
            self._project_customers[str(project)] = customer
        return customer or None

    def _application_rows(self) -> Iterator[tuple[dict[str, Any], str | None]]:
        spec = STREAMS["applications"]
        settlements = []
        for summaries in self._summaries(spec, None):
            for summary in summaries:
                values = flatten(summary)
                if self._voided(values):
                    continue  # a voided document neither receives nor gives an application
                state = values.get("TransactionState")
                current = Decimal(0) if state == "History" else self._current_amount(summary, values)
                settlements.append(
                    Settlement(
                        customer=str(values.get("CustomerKey.Id") or ""),
                        document_type=str(values.get("Type") or ""),
                        document_id=str(values.get("Key.Id") or ""),
                        date=_date(values.get("Date")),
                        amount=values.get("DocumentAmount.Value"),
                        current=current,
                    )
                )
        result = reconstruct(settlements)
        if result.unmatched:
            log.warning(
                "GP Web Services: %s settled on %d documents has no credit document to match (discounts, write-offs)",
                result.unmatched_amount,
                result.unmatched,
            )
        for application in result.applications:
            yield application, None

    def _voided(self, values: dict[str, Any]) -> bool:
        document = (str(values.get("Type")), str(values.get("Key.Id")))
        if document in self._voided_now:
            return self._voided_now[document]
        return "|".join(document) in self._voided_before

    def _current_amount(self, summary: Any, values: dict[str, Any]) -> Decimal | None:
        operation = RECEIVABLES_BY_KEY.get(str(values.get("Type")))
        if operation is None or operation == "GetCashReceiptByKey":
            return None  # a cash receipt's unapplied amount is not in the service
        known = self._open_amounts.get((str(values.get("Type")), str(values.get("Key.Id"))))
        if known is not None:
            return known  # read moments ago by the receivables stream: the ledger's open amount too
        record = flatten(self.client.call(operation, key=summary.Key, stream="applications"))
        current = record.get("CurrentDocumentAmount.Value")
        return current if isinstance(current, Decimal) else None


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """A zeep object as dotted names → scalars; lists are left out (lines are read on their own).

    GP's empty date (1900-01-01) becomes None; strings are trimmed.
    """
    from zeep.helpers import serialize_object  # noqa: PLC0415  # zeep loads only for GP Web Services

    data = serialize_object(value, target_cls=dict) if not isinstance(value, dict) else value  # type: ignore[no-untyped-call]
    out: dict[str, Any] = {}
    for name, item in (data or {}).items():
        key = f"{prefix}{name}"
        if isinstance(item, dict):
            out.update(flatten(item, f"{key}."))
        elif isinstance(item, list):
            continue
        elif isinstance(item, dt.datetime | dt.date) and _date(item) == GP_EMPTY_DATE:
            out[key] = None
        elif isinstance(item, str):
            out[key] = item.strip()
        else:
            out[key] = item
    return out


def _middle_key(found: list[Any], path: str) -> str | None:
    """The median of the keys an answer holds: splitting there halves what the next answers hold."""
    keys = sorted({str(flatten(s).get(path) or "") for s in found})
    return keys[(len(keys) - 1) // 2] if keys else None


def _items(result: Any) -> list[Any]:
    """An ArrayOfX answer as a list (zeep gives a list, an object with one list field, or None)."""
    if result is None:
        return []
    if isinstance(result, list):
        return result
    values = list(result.__values__.values()) if hasattr(result, "__values__") else []
    if len(values) == 1 and isinstance(values[0], list):
        return values[0]
    return [result]


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return None


def _cursor(value: Any) -> str | None:
    day = _date(value)
    return day.isoformat() if day and day != GP_EMPTY_DATE else None
