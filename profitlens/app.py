"""Wiring: configuration → connector, mapping, store, engine and reports. The CLI only calls these."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from common.cycles import paused_cycle_collector
from common.errors import ConfigError
from common.masking import redact
from connector.base import DEFAULT_CHUNK_ROWS, SQL_CHUNK_ROWS, Connector
from connector.files import FilesConnector
from connector.gp_sql import GpSqlConnector, odbc_connection, sqlite_connection
from ledger.store import Store, SyncResult
from mappings.engine import load_mapping
from profitability.analyze import analyze
from profitability.model import AgeingBuckets, Analysis, Costing, CustomerProfit, Driver, Period, Pool
from profitability.model import Settings as EngineSettings
from profitability.product_line import ProductLine, product_line
from profitlens.config import Config
from profitlens.settings import SourceSettings
from profitlens.sync import CompanySource, Progress, run_sync_companies
from reports import i18n
from reports.context import SOURCE_LABELS, ReportMeta, build_context, drilldown_labels, statement_context
from reports.details import customer_details, html_extras
from reports.exports import write_csv
from reports.outputs import write_analysis
from reports.render import weasyprint_html, write_html, write_pdf, write_private_file

REPORT_FORMATS = ("pdf", "html", "xlsx", "csv")


def make_connector(config: Config, source: SourceSettings | None = None) -> Connector:
    source = source or config.sources[0]
    system = f"{source.kind}/{source.company}" if source.company else source.kind
    if source.kind == "bc":
        from connector.bc import BusinessCentralConnector  # noqa: PLC0415

        assert source.tenant_id and source.company_id and source.client_id and source.client_secret  # load_config
        return BusinessCentralConnector(
            tenant_id=source.tenant_id,
            environment=source.environment,
            company_id=source.company_id,
            client_id=source.client_id,
            client_secret=source.client_secret.get_secret_value(),
            system=system,
            base_url=source.base_url,
            login_url=source.login_url,
            page_size=source.page_size,
            requests_per_minute=source.requests_per_minute,
            job_customers=source.job_customers,
            department_dimension=source.department_dimension,
            ca_bundle=str(config.resolve(source.ca_bundle)) if source.ca_bundle else None,
            timeout=source.timeout_seconds,
        )
    if source.kind == "gp-ws":
        return _gp_web_services(config, source, system)
    if source.kind == "files":
        assert source.path is not None  # checked by load_config
        return FilesConnector(
            config.resolve(source.path), system=system, chunk_rows=_chunk_rows(source), decimal=source.decimal
        )
    if source.connection:
        return GpSqlConnector(
            odbc_connection(source.connection),
            system=system,
            history_from=source.history_from,
            chunk_rows=_chunk_rows(source, SQL_CHUNK_ROWS),
            describe=f"GP database ({_server(source.connection)})",
        )
    assert source.path is not None
    path = config.resolve(source.path)
    if not path.is_file():
        raise ConfigError(f"the GP SQLite file {path} does not exist", key="source.path", file=str(config.file))
    return GpSqlConnector(
        sqlite_connection(str(path)),
        system=system,
        history_from=source.history_from,
        chunk_rows=_chunk_rows(source, SQL_CHUNK_ROWS),
        describe=f"GP database {path.name}",
    )


def _gp_web_services(config: Config, source: SourceSettings, system: str) -> Connector:
    from connector.gp_ws import GpWebServicesConnector  # noqa: PLC0415
    from connector.gp_ws_soap import Endpoint, SoapClient, default_wsdl, windows_auth  # noqa: PLC0415

    assert source.url and source.company_key is not None  # load_config
    if source.auth == "windows":
        auth = windows_auth()
    else:
        from requests_ntlm import HttpNtlmAuth  # noqa: PLC0415

        assert source.username and source.password  # load_config
        auth = HttpNtlmAuth(source.username, source.password.get_secret_value())
    wsdl = source.wsdl or default_wsdl(source.url)
    if "://" not in wsdl:
        wsdl = str(config.resolve(wsdl))
    client = SoapClient(
        Endpoint(source.url, wsdl, source.company_key),
        auth=auth,
        ca_bundle=str(config.resolve(source.ca_bundle)) if source.ca_bundle else None,
        timeout=source.timeout_seconds,
        max_response_bytes=source.max_response_bytes,
    )
    return GpWebServicesConnector(
        client,
        system=system,
        history_from=source.history_from,
        window_days=source.window_days,
        list_limit=source.list_limit,
        chunk_rows=_chunk_rows(source),
    )


def _chunk_rows(source: SourceSettings, default: int = DEFAULT_CHUNK_ROWS) -> int:
    """`chunk_rows` where the user set it, else the connector's own (GP SQL maps whole chunks in SQL: bigger)."""
    return source.chunk_rows if source.chunk_rows is not None else default


def _server(connection: str) -> str:
    parts = dict(p.split("=", 1) for p in redact(connection).split(";") if "=" in p)
    lowered = {k.strip().lower(): v.strip() for k, v in parts.items()}
    server = lowered.get("server", "?")
    database = lowered.get("database", "")
    return f"{server}/{database}" if database else server


def sync(
    config: Config, progress: Progress | None = None, *, full: bool = False, accept_removals: bool = False
) -> SyncResult:
    """Sync every configured company into the store, all together or not at all.

    Incremental unless `full` (or the first sync of a source); see `profitlens.sync`. More than
    `[store] max_removed_share` of a table removed at once stops it, unless `accept_removals`.
    """
    limit = None if accept_removals else config.settings.store.max_removed_share
    connectors: list[Connector] = []
    try:
        sources = []
        for source in config.sources:
            connector = make_connector(config, source)
            connectors.append(connector)
            sources.append(CompanySource(connector, load_mapping(source.kind, source.mapping), source.company))
        with Store(config.store_path) as store:
            return run_sync_companies(sources, store, progress, full=full, max_removed_share=limit)
    finally:
        for connector in connectors:
            connector.close()


def engine_settings(config: Config) -> EngineSettings:
    a = config.settings.analysis
    c = config.settings.costing
    costing = Costing(
        pools=tuple(Pool(p.name, p.cost, p.practical_minutes) for p in c.pool),
        drivers=tuple(Driver(name, d.pool, d.minutes) for name, d in c.drivers.items()),
        reminder_interval_days=c.reminder_interval_days,
    )
    return EngineSettings(
        department_rates={k: Decimal(v) for k, v in {**c.department_rates, **a.department_rates}.items()},
        buckets=AgeingBuckets(tuple(a.ageing_buckets)),
        cost_of_capital=a.cost_of_capital,
        loss_rates="history" if a.loss_rates == "history" else tuple(a.loss_rates),
        referral_share=a.referral_share,
        discount_rate=a.discount_rate,
        costing=costing,
        history_years=a.history_years,
        protect_min_net_margin=a.protect_min_net_margin,
        company_rates={s.company: s.exchange_rate for s in config.sources if s.exchange_rate != 1},
    )


@dataclass(frozen=True)
class AnalysisRun:
    analysis: Analysis
    last_sync: dict[str, Any] | None


def run_analysis(config: Config, period: Period) -> AnalysisRun:
    with Store(config.store_path, read_only=True) as store:
        last = store.last_sync()
        result = analyze(store.con, period, engine_settings(config))
    return AnalysisRun(result, last["summary"] if last else None)


def run_product_line(config: Config, period: Period, item_class: str) -> ProductLine:
    """One product line's gross-margin figures by customer (`--item-class`)."""
    with Store(config.store_path, read_only=True) as store:
        return product_line(store.con, period, item_class)


def write_product_line_reports(
    config: Config, line: ProductLine, out: Path, formats: tuple[str, ...], lang: str | None = None
) -> list[Path]:
    """product_line.pdf / .html / .csv for `report --item-class` (one product line, customer-level costs left out)."""
    from reports.formatting import Formatter  # noqa: PLC0415
    from reports.outputs import write_product_line  # noqa: PLC0415
    from reports.product_lines import product_line_context  # noqa: PLC0415
    from reports.render import render  # noqa: PLC0415

    if "pdf" in formats:
        weasyprint_html()
    language, _, meta = _report_meta(config, lang)
    context = product_line_context(line, meta, Formatter(language, meta.currency), _)
    paths: list[Path] = []
    if "html" in formats:
        out.mkdir(parents=True, exist_ok=True)
        path = out / "product_line.html"
        write_private_file(path, render("product_line.html", context, language).encode("utf-8"))
        paths.append(path)
    if "pdf" in formats:
        paths.append(write_pdf(context, out / "product_line.pdf", language, template="product_line.html"))
    if "csv" in formats or "xlsx" in formats:
        paths.append(write_product_line(line, out))
    return paths


def write_outputs(config: Config, run: AnalysisRun, out: Path) -> tuple[Path, ...]:
    company = config.settings.company
    return write_analysis(run.analysis, out, run.last_sync, company.name, company.currency)


def write_reports(
    config: Config,
    run: AnalysisRun,
    out: Path,
    formats: tuple[str, ...],
    lang: str | None = None,
    statements: tuple[str, ...] = (),
) -> list[Path]:
    """Write the chosen formats in the chosen language: report.html, report.pdf, report.xlsx, *.csv."""
    if "pdf" in formats or statements:
        weasyprint_html()  # a missing PDF runtime stops here, before any file is written
    company = config.settings.company
    language, _, meta = _report_meta(config, lang, run.last_sync)
    paths: list[Path] = []
    # Every customer's row, drill-downs and JSON for the page: many objects, no cycles (see cycles.py).
    with paused_cycle_collector():
        context = build_context(run.analysis, meta, _, every_customer="html" in formats)
        if "html" in formats:
            with Store(config.store_path, read_only=True) as store:
                details = customer_details(store.con, run.analysis)
            html_context = html_extras(context, details, drilldown_labels(_))
            paths.append(write_html(html_context, out / "report.html", language))
            del html_context, details  # the page's objects go before the PDF is made
    if "pdf" in formats:
        paths.append(write_pdf(context, out / "report.pdf", language))
    if "xlsx" in formats:
        from reports.workbook import write_xlsx  # noqa: PLC0415 - openpyxl only when a workbook is asked for

        paths.append(
            write_xlsx(
                run.analysis,
                out / "report.xlsx",
                meta=meta,
                _=_,
                settings=engine_settings(config),
                title=f"{company.name}: {_('Customer profitability')}",
            )
        )
    if "csv" in formats:
        paths.extend(write_csv(run.analysis, out))
    for wanted in statements:
        for customer in _find_customers(run.analysis, wanted):
            name = "-".join(p for p in (customer.company, customer.customer_id) if p)
            safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in name)
            page = statement_context(context, run.analysis, customer, meta, _)
            paths.append(write_pdf(page, out / f"statement-{safe}.pdf", language, template="statement.html"))
    return paths


def _report_meta(
    config: Config, lang: str | None, last_sync: dict[str, Any] | None = None
) -> tuple[str, Callable[..., str], ReportMeta]:
    """The report's language (the option, else [company] locale), its gettext and the page's metadata."""
    company = config.settings.company
    language = i18n.language(lang or company.locale)
    _ = i18n.gettext_for(language)
    meta = ReportMeta(
        company=company.name,
        currency=company.currency,
        source=_describe_source(config, _),
        generated_at=dt.datetime.now(dt.UTC),
        sync=last_sync,
        locale=language,
    )
    return language, _, meta


def _find_customers(analysis: Analysis, wanted: str) -> list[CustomerProfit]:
    """Customers by id, or `COMPANY|ID`; a customer not analysed in the period is a clear error."""
    company, _sep, customer_id = wanted.rpartition("|")
    found = [c for c in analysis.customers if c.customer_id == customer_id and (not _sep or c.company == company)]
    if not found:
        raise ConfigError(
            f"customer {wanted!r} has no figures in this period",
            key="--statement",
            hint="give a customer id from customers.csv (COMPANY|ID where several companies)",
        )
    return found


def _describe_source(config: Config, _: Callable[..., str] | None = None) -> str:
    """Where the numbers come from, in the report's language: "files in exports", "Dynamics GP over ODBC
    (gp-sql01)", "Business Central (production)", … (one part per company)."""
    say = _ or (lambda message, **values: message % values)
    return "; ".join(_describe_one(s, say) for s in config.sources)


def _describe_one(source: SourceSettings, say: Callable[..., str]) -> str:
    prefix = f"{source.company}: " if source.company else ""
    if source.kind == "files":
        key, where = "files", str(source.path)
    elif source.kind == "bc":
        key, where = "bc", source.environment
    elif source.kind == "gp-ws":
        key, where = "gp-ws", urlsplit(source.url or "").hostname or ""
    elif source.connection:
        key, where = "gp-odbc", _server(source.connection)
    else:
        key, where = "gp-file", Path(source.path or "").name
    return prefix + say(SOURCE_LABELS[key], where=where)
