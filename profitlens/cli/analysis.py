"""Commands over a period: `analyze`, `report` and `estimate`."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import click

from profitlens.cli.options import config_option, formats_of, load, period, period_options


@click.command()
@config_option
@period_options
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Folder for customers.csv and summary.json.",
)
@click.option(
    "--item-class",
    default=None,
    help="One product line only (the ERP's item class): its gross margin by customer, in product_line.csv. "
    "Customer-level costs (commissions, labour, activities, financing, credit loss) are left out.",
)
def analyze(
    config_path: Path | None,
    date_from: dt.datetime,
    date_to: dt.datetime,
    as_of: dt.datetime | None,
    out: Path,
    item_class: str | None,
) -> None:
    """Price every customer for a period; write customers.csv and summary.json."""
    from profitlens import app  # noqa: PLC0415

    config = load(config_path)
    if item_class is not None:
        line = app.run_product_line(config, period(date_from, date_to, as_of), item_class)
        from reports.outputs import write_product_line  # noqa: PLC0415

        click.echo(str(write_product_line(line, out)))
        print_product_line(line, config.settings.company.currency)
        return
    run = app.run_analysis(config, period(date_from, date_to, as_of))
    for path in app.write_outputs(config, run, out):
        click.echo(str(path))
    print_headline(run.analysis, config.settings.company.currency)


def print_product_line(line: Any, currency: str) -> None:
    count = len(line.customers)
    click.echo(
        f"{line.period.start} to {line.period.end}: product line {line.item_class}"
        + (f" ({line.description})" if line.description else "")
        + f": {count:,} {'customer' if count == 1 else 'customers'}, net sales {line.net_sales:,.2f} {currency}, "
        f"gross margin {line.gross_margin:,.2f} {currency}. Commissions, labour, activities, financing and credit "
        "loss are customer-level costs: left out.",
        err=True,
    )


def print_headline(analysis: Any, currency: str) -> None:
    t, p = analysis.totals, analysis.period
    # The ledger holds every customer; the analysis lists those with anything in the period (say so, or
    # "200 customers" after the sync and "163" here look like a loss).
    listed = analysis.counts["customers"]
    in_ledger = analysis.counts.get("customers_in_ledger", listed)
    click.echo(
        f"{p.start} to {p.end} (as of {p.as_of}): {listed:,} {'customer' if listed == 1 else 'customers'} with "
        f"figures in the period, of {in_ledger:,} in the ledger; net sales {t['net_sales']:,.2f} {currency}, "
        f"net profit {t['net_profit']:,.2f} {currency}; {analysis.reconciliation['note']}.",
        err=True,
    )


@click.command()
@config_option
@period_options
@click.option(
    "--format", "formats", default="pdf,html", show_default=True, help="Comma-separated: pdf, html, xlsx, csv."
)
@click.option(
    "--lang", default=None, help="Language of the report: en, de, es, nb, sv or fi. Default: [company] locale."
)
@click.option(
    "--statement",
    "statements",
    multiple=True,
    help="Also write a one-page statement PDF for this customer id (repeatable; COMPANY|ID for several companies).",
)
@click.option(
    "--item-class",
    default=None,
    help="One product line only (the ERP's item class): product_line.pdf/.html/.csv with its gross margin by "
    "customer; customer-level costs are left out, and the report says so.",
)
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True, help="Folder for the reports.")
def report(
    config_path: Path | None,
    date_from: dt.datetime,
    date_to: dt.datetime,
    as_of: dt.datetime | None,
    formats: str,
    lang: str | None,
    statements: tuple[str, ...],
    item_class: str | None,
    out: Path,
) -> None:
    """Write the reports for a period: the executive PDF, the accountant's HTML, XLSX and CSV.

    --statement adds a one-page PDF per chosen customer for its account manager.
    """
    from profitlens import app  # noqa: PLC0415
    from reports.i18n import language  # noqa: PLC0415

    chosen = formats_of(formats)
    if lang is not None:
        language(lang)
    config = load(config_path)
    if item_class is not None:
        line = app.run_product_line(config, period(date_from, date_to, as_of), item_class)
        for path in app.write_product_line_reports(config, line, out, chosen, lang):
            click.echo(str(path))
        print_product_line(line, config.settings.company.currency)
        return
    run = app.run_analysis(config, period(date_from, date_to, as_of))
    for path in app.write_reports(config, run, out, chosen, lang, statements):
        click.echo(str(path))


@click.command()
@config_option
@period_options
@click.option("--class", "customer_class", default=None, help="The prospect's customer class (as in the ERP).")
@click.option("--territory", default=None, help="The prospect's sales territory (as in the ERP).")
@click.option(
    "--sales",
    "yearly_sales",
    type=str,
    required=True,
    metavar="AMOUNT",
    help="Expected net sales per year, e.g. 120000.",
)
@click.option("--peers", default=10, show_default=True, help="How many similar customers to learn from.")
@click.option("--json", "as_json", is_flag=True, help="Print the estimate as JSON.")
def estimate(
    config_path: Path | None,
    date_from: dt.datetime,
    date_to: dt.datetime,
    as_of: dt.datetime | None,
    customer_class: str | None,
    territory: str | None,
    yearly_sales: str,
    peers: int,
    as_json: bool,
) -> None:
    """Estimate a prospect's yearly net profit and lifetime value from the customers most like it."""
    from ledger.money import D, cents  # noqa: PLC0415
    from profitability.estimate import estimate as estimate_prospect  # noqa: PLC0415
    from profitlens import app  # noqa: PLC0415

    try:
        sales = D(yearly_sales)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--sales") from None
    config = load(config_path)
    settings = app.engine_settings(config)
    run = app.run_analysis(config, period(date_from, date_to, as_of))
    # A class or territory the company does not have would silently match nobody: name the ones it has.
    for value, attribute, option in (
        (customer_class, "customer_class", "--class"),
        (territory, "territory", "--territory"),
    ):
        known = sorted({getattr(c, attribute) for c in run.analysis.customers if getattr(c, attribute)})
        if value is not None and value not in known:
            listed = ", ".join(known[:20]) + (f" and {len(known) - 20} more" if len(known) > 20 else "")
            raise click.BadParameter(
                f"{value!r} is not one of the company's: {listed or 'none are set'}", param_hint=option
            )
    discount = settings.discount_rate if settings.discount_rate is not None else settings.cost_of_capital
    result = estimate_prospect(run.analysis, customer_class, territory, sales, k=peers, discount_rate=discount)
    currency = config.settings.company.currency
    figures = {
        "expected_sales": result.expected_sales,
        "net_profit": result.net_profit,
        "net_profit_low": result.net_profit_low,
        "net_profit_high": result.net_profit_high,
        "gross_margin": result.gross_margin,
        "cost_to_serve": result.cost_to_serve,
        "lifetime_value": result.lifetime_value,
    }
    if as_json:
        out: dict[str, Any] = {k: (str(cents(v)) if v is not None else None) for k, v in figures.items()}
        out["net_margin"] = str(round(result.net_margin, 4))
        out["peers"] = [c.customer_id for c in result.peers]
        click.echo(json.dumps(out, indent=2))
        return

    def money(value: Any) -> str:  # an estimate in whole units: its cents would claim a precision it has not
        return f"{value:,.0f} {currency}" if value is not None else "n/a (no retention history)"

    click.echo(
        f"Expected yearly net profit: {money(result.net_profit)} (net margin {result.net_margin:.1%}; "
        f"likely between {money(result.net_profit_low)} and {money(result.net_profit_high)})"
    )
    click.echo(
        f"Gross margin {money(result.gross_margin)}, cost to serve {money(result.cost_to_serve)}, "
        f"lifetime value {money(result.lifetime_value)}"
    )
    click.echo(
        f"From {len(result.peers)} similar customers: " + ", ".join(f"{c.name} ({c.customer_id})" for c in result.peers)
    )
