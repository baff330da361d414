"""`profitlens demo`: the embedded sample company, end to end."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from profitlens.cli.analysis import print_headline
from profitlens.cli.data import print_sync
from profitlens.cli.options import formats_of

DEMO_COMPANY = "Nordlicht Handel GmbH"
DEMO_PERIOD = (dt.date(2025, 11, 1), dt.date(2026, 10, 31))


@click.command()
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("profitlens-demo"),
    show_default=True,
    help="Folder for the sample company, its ledger and the reports.",
)
@click.option(
    "--size",
    type=click.Choice(["tiny", "small", "large"]),
    default="small",
    show_default=True,
    help="Sample company size: small ≈ 200 customers; large ≈ 20,000 customers and 1M invoice lines.",
)
@click.option("--seed", default=7, show_default=True, help="Seed of the sample generator (same seed, same company).")
@click.option(
    "--format", "formats", default="pdf,html,xlsx,csv", show_default=True, help="Comma-separated: pdf, html, xlsx, csv."
)
@click.option("--lang", default="en", show_default=True, help="Language of the reports: en, de, es, nb, sv or fi.")
def demo(out: Path, size: str, seed: int, formats: str, lang: str) -> None:
    """Generate the sample GP company, sync it, analyse it and write the reports.

    Prints the paths of the HTML and PDF reports. The folder also holds profitlens.toml, a working
    configuration to try `sync`, `analyze` and `report` with.
    """
    from connector.sample.generate import generate  # noqa: PLC0415
    from profitlens import app  # noqa: PLC0415
    from profitlens.config import load_config  # noqa: PLC0415
    from reports.i18n import language  # noqa: PLC0415

    chosen = formats_of(formats)
    lang = language(lang)  # refuse a wrong language before the work, not after it
    out.mkdir(parents=True, exist_ok=True)
    sample = out / f"sample-gp-{size}.sqlite"
    if not sample.exists():
        click.echo(f"Generating the {size} sample company into {sample} …", err=True)
        generate(sample, size=size, seed=seed, progress=lambda step: click.echo(f"  {step} …", err=True))
    config_file = out / "profitlens.toml"
    config_file.write_text(demo_config(sample.name), encoding="utf-8")
    config = load_config(config_file)
    result = app.sync(config)
    print_sync(result.as_dict(), config.store_path)
    from profitability.model import Period  # noqa: PLC0415

    run = app.run_analysis(config, Period.of(*DEMO_PERIOD))
    app.write_outputs(config, run, out)
    print_headline(run.analysis, config.settings.company.currency)
    for path in app.write_reports(config, run, out, chosen, lang):
        click.echo(str(path))


def demo_config(sample_name: str) -> str:
    return f"""# profitlens configuration for the embedded sample company (written by `profitlens demo`).
[company]
name = "{DEMO_COMPANY}"
currency = "EUR"

[source]
kind = "gp-sql"
path = "{sample_name}"        # a GP-shaped SQLite file; at your site: connection = "DRIVER=...;SERVER=...;DATABASE=..."

[source.mapping.customer]
referred_by = "USERDEF1"      # this company keeps the referring customer in RM00101.USERDEF1

[store]
path = "profitlens.duckdb"

[analysis]
ageing_buckets = [30, 60, 90, 120]   # current, 1-30, 31-60, 61-90, 91-120, over 120 days past due
cost_of_capital = 0.08               # yearly; prices the wait for payment
loss_rates = "history"               # estimated from this company's write-offs and late payments
referral_share = 0.10                # share of a referred customer's gross margin credited to the referrer

# Time-driven ABC: what each capacity pool costs a year and the practical minutes it gives a year
# (a period gets both × its days ÷ 365).
[[costing.pool]]
name = "order desk"
cost = 12000
practical_minutes = 20000

[[costing.pool]]
name = "credit control"
cost = 6000
practical_minutes = 8000

[costing.drivers]
invoice = {{ pool = "order desk", minutes = 12 }}
credit_memo = {{ pool = "order desk", minutes = 25 }}
return = {{ pool = "order desk", minutes = 45 }}
payment = {{ pool = "credit control", minutes = 4 }}
reminder = {{ pool = "credit control", minutes = 15 }}
"""
