"""The alternative a user would pick: the same rules in pandas, written as a plain analyst would.

Reads the ledger tables into DataFrames and works out, per customer, for the period: net sales,
cost of goods and commissions (profitability/sales.py), labour cost at the entries' own cost
(profitability/labour.py, first rule), open receivables as of the end with ageing buckets
(profitability/receivables.py), the amount-days financed, and the amount-weighted days to pay.
The benchmark checks its totals against `profitlens analyze` so both did the same work.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

SALES = ["invoice", "debit_memo", "service"]
REDUCING = ["credit_memo", "return"]
CREDITS = ["credit_memo", "return", "payment"]
DEBITS = ["invoice", "debit_memo", "finance_charge", "service", "warranty"]


def analyse(con: Any, start: dt.date, end: dt.date, buckets: tuple[int, ...] = (30, 60, 90, 120)) -> pd.DataFrame:
    documents = con.execute("SELECT * FROM document").df()
    lines = con.execute("SELECT company, document_id, extended_cost FROM document_line").df()
    applications = con.execute("SELECT * FROM application").df()
    labour = con.execute("SELECT company, customer_id, date, hours, cost_amount FROM labour").df()
    customers = con.execute("SELECT company, customer_id, salesperson_id FROM customer").df()
    salespeople = con.execute("SELECT company, salesperson_id, commission_rate FROM salesperson").df()
    for frame in (documents, lines, applications, labour, salespeople):
        for column in frame.columns:
            if frame[column].dtype == object and column.endswith(("amount", "cost", "rate", "hours", "discount")):
                frame[column] = frame[column].astype(float)
    documents["document_date"] = pd.to_datetime(documents["document_date"])
    documents["due_date"] = pd.to_datetime(documents["due_date"])
    applications["apply_date"] = pd.to_datetime(applications["apply_date"])
    labour["date"] = pd.to_datetime(labour["date"])
    start_ts, end_ts = pd.Timestamp(start), pd.Timestamp(end)
    live = documents[~documents["voided"].fillna(False).astype(bool)]

    # Sales: net of tax, freight and misc where there is no sales amount; cost from the lines otherwise.
    sales = live[live["document_type"].isin(SALES + REDUCING)]
    sales = sales[(sales["document_date"] >= start_ts) & (sales["document_date"] <= end_ts)].copy()
    line_cost = lines.groupby(["company", "document_id"], as_index=False)["extended_cost"].sum()
    sales = sales.merge(line_cost, on=["company", "document_id"], how="left")
    sales = sales.merge(
        customers.rename(columns={"salesperson_id": "customer_salesperson"}), on=["company", "customer_id"]
    )
    sales["sign"] = sales["document_type"].apply(lambda t: 1 if t in SALES else -1)
    fallback = (
        sales["amount"]
        - sales["tax_amount"].fillna(0)
        - sales["freight_amount"].fillna(0)
        - sales["misc_amount"].fillna(0)
    )
    sales["net"] = sales["sales_amount"].fillna(fallback) - sales["trade_discount"].fillna(0)
    sales["cost"] = sales["cost_amount"].fillna(sales["extended_cost"]).fillna(0)
    sales["salesperson"] = sales["salesperson_id"].fillna(sales["customer_salesperson"])
    sales = sales.merge(
        salespeople.rename(columns={"salesperson_id": "salesperson"}), on=["company", "salesperson"], how="left"
    )
    sales["commission"] = sales["commission_amount"].fillna(sales["net"] * sales["commission_rate"].fillna(0))
    for column in ("net", "cost", "commission"):
        sales[column] = sales[column] * sales["sign"]
    per_customer = sales.groupby(["company", "customer_id"]).agg(
        net_sales=("net", "sum"), cost_of_goods=("cost", "sum"), commissions=("commission", "sum")
    )

    # Labour at the entries' own cost.
    worked = labour[(labour["date"] >= start_ts) & (labour["date"] <= end_ts) & labour["customer_id"].notna()]
    per_customer = per_customer.join(
        worked.groupby(["company", "customer_id"]).agg(
            labour_hours=("hours", "sum"), labour_cost=("cost_amount", "sum")
        ),
        how="outer",
    )

    # Open receivables as of the end: amount less what was applied up to then; aged by due date.
    applied = applications[applications["apply_date"] <= end_ts].copy()
    applied["settled"] = applied["amount"] + applied["discount_taken"].fillna(0) + applied["write_off_amount"].fillna(0)
    to = applied.groupby(["company", "to_document_id"])["settled"].sum().rename("applied_to")
    frm = applied.groupby(["company", "from_document_id"])["amount"].sum().rename("applied_from")
    items = live[live["document_date"] <= end_ts].copy()
    items = items.join(to, on=["company", "document_id"]).join(frm, on=["company", "document_id"])
    items["credit"] = items["document_type"].isin(CREDITS)
    items["open"] = items["amount"] - items["applied_to"].fillna(0).where(
        ~items["credit"], items["applied_from"].fillna(0)
    )
    items["days"] = (end_ts - items["due_date"].fillna(items["document_date"])).dt.days

    def ageing(group: pd.DataFrame) -> pd.Series:
        debit = group[~group["credit"]]
        row = {
            "open_amount": debit["open"].sum() - group.loc[group["credit"], "open"].sum(),
            "unapplied_credits": group.loc[group["credit"], "open"].sum(),
            "current": debit.loc[debit["days"] <= 0, "open"].sum(),
        }
        low = 1
        for high in buckets:
            row[f"d{low}_{high}"] = debit.loc[(debit["days"] >= low) & (debit["days"] <= high), "open"].sum()
            low = high + 1
        row[f"over_{buckets[-1]}"] = debit.loc[debit["days"] > buckets[-1], "open"].sum()
        return pd.Series(row)

    open_items = items[(items["open"] != 0)]
    per_customer = per_customer.join(open_items.groupby(["company", "customer_id"]).apply(ageing), how="outer")

    # Financing: what was settled on invoices of the period waited from invoice to application;
    # what is still open waits to the end.
    invoices = items[items["document_type"].isin(DEBITS) & (items["document_date"] >= start_ts)]
    settled = applied.merge(
        invoices[["company", "document_id", "customer_id", "document_date"]],
        left_on=["company", "to_document_id"],
        right_on=["company", "document_id"],
    )
    settled["amount_days"] = settled["settled"] * (settled["apply_date"] - settled["document_date"]).dt.days.clip(
        lower=0
    )
    still_open = invoices[invoices["open"] > 0].copy()
    still_open["amount_days"] = still_open["open"] * (end_ts - still_open["document_date"]).dt.days.clip(lower=0)
    financing = pd.concat(
        [settled[["company", "customer_id", "amount_days"]], still_open[["company", "customer_id", "amount_days"]]]
    )
    per_customer = per_customer.join(
        financing.groupby(["company", "customer_id"])["amount_days"].sum().rename("financing_amount_days"), how="outer"
    )

    # Days to pay: payments applied in the period, weighted by amount.
    payments = live.loc[live["document_type"] == "payment", ["company", "document_id"]]
    paid = applied[(applied["apply_date"] >= start_ts)].merge(
        payments, left_on=["company", "from_document_id"], right_on=["company", "document_id"]
    )
    paid = paid.merge(
        live[["company", "document_id", "customer_id", "document_date"]],
        left_on=["company", "to_document_id"],
        right_on=["company", "document_id"],
        suffixes=("", "_to"),
    )
    paid["amount_days"] = paid["amount"] * (paid["apply_date"] - paid["document_date"]).dt.days
    days = paid.groupby(["company", "customer_id"]).apply(
        lambda g: g["amount_days"].sum() / g["amount"].sum() if g["amount"].sum() else None
    )
    per_customer = per_customer.join(days.rename("days_to_pay"), how="outer")
    return per_customer.fillna({"net_sales": 0, "cost_of_goods": 0, "open_amount": 0})
