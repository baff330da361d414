"""One product line (item class), customer by customer: the gross-margin figures of its sales lines only.

`analyze --item-class C` and `report --item-class C` (issue 25): a common first step is to prove the method on
one product line before the whole company. A line's class is its own where the source gives one, else its
item's (the item master), as in the product-line rows of `groups.csv`. Net sales and cost of goods are the
lines' extended price and cost, signed like their documents (invoices, debit memos and service documents
add; credit memos and returns take away), in the period. Lines carry no document-level trade discount nor
settlement discount. Commissions, labour, activity costs, financing and credit loss are costs of the
customer, not of a product line: they are left out, and every output says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import duckdb

from common.errors import EngineError
from profitability.customers import ensure_item_table
from profitability.model import Period
from profitability.sales import LINE_CLASS, SALES_AND_REDUCING_TYPES, SALES_TYPES

ZERO = Decimal(0)

CLASSES_SQL = f"""
SELECT DISTINCT {LINE_CLASS} AS item_class
FROM document_line l LEFT JOIN item i ON i.company = l.company AND i.item_id = l.item_id
WHERE {LINE_CLASS} IS NOT NULL
ORDER BY 1
"""

LINES_SQL = f"""
SELECT d.company, d.customer_id, c.name,
       sum(CASE WHEN d.document_type IN {SALES_TYPES} THEN 1 ELSE -1 END * l.extended_price) AS net_sales,
       sum(CASE WHEN d.document_type IN {SALES_TYPES} THEN 1 ELSE -1 END * coalesce(l.extended_cost, 0)) AS cost,
       coalesce(sum(l.extended_price) FILTER (WHERE d.document_type = 'return'), 0) AS returns
FROM document d
JOIN customer c USING (company, customer_id)
JOIN document_line l ON l.company = d.company AND l.document_id = d.document_id
LEFT JOIN item i ON i.company = l.company AND i.item_id = l.item_id
WHERE NOT d.voided AND d.document_type IN {SALES_AND_REDUCING_TYPES}
  AND d.document_date BETWEEN $start AND $end
  AND {LINE_CLASS} = $item_class
GROUP BY d.company, d.customer_id, c.name
ORDER BY net_sales - cost DESC, d.company, d.customer_id
"""


@dataclass(frozen=True, slots=True)
class ProductLineCustomer:
    company: str
    customer_id: str
    name: str
    net_sales: Decimal
    cost_of_goods: Decimal
    returns: Decimal

    @property
    def gross_margin(self) -> Decimal:
        return self.net_sales - self.cost_of_goods

    @property
    def gross_margin_share(self) -> Decimal | None:
        return self.gross_margin / self.net_sales if self.net_sales else None


@dataclass(frozen=True, slots=True)
class ProductLine:
    item_class: str
    description: str | None
    period: Period
    customers: tuple[ProductLineCustomer, ...]

    @property
    def net_sales(self) -> Decimal:
        return sum((c.net_sales for c in self.customers), ZERO)

    @property
    def cost_of_goods(self) -> Decimal:
        return sum((c.cost_of_goods for c in self.customers), ZERO)

    @property
    def gross_margin(self) -> Decimal:
        return self.net_sales - self.cost_of_goods

    @property
    def returns(self) -> Decimal:
        return sum((c.returns for c in self.customers), ZERO)


def item_classes(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every product line the ledger's sales lines name (their own class or their item's)."""
    return [str(row[0]) for row in con.execute(CLASSES_SQL).fetchall()]


def product_line(con: duckdb.DuckDBPyConnection, period: Period, item_class: str) -> ProductLine:
    """The customers that bought `item_class` in the period, best gross margin first.

    Raises:
        EngineError: the ledger has no sales line of that class (names the classes it has).
    """
    ensure_item_table(con)
    known = item_classes(con)
    if item_class not in known:
        listed = ", ".join(known[:20]) + (f" and {len(known) - 20} more" if len(known) > 20 else "")
        raise EngineError(
            f"no sales line of item class {item_class!r} in the ledger; its classes are: {listed or 'none'}",
            hint="spell the class as the ERP does (GP: ITMCLSCD; Business Central: the item category code)",
        )
    described = con.execute("SELECT min(class_description) FROM item WHERE item_class = ?", [item_class]).fetchone()
    rows = con.execute(LINES_SQL, {"start": period.start, "end": period.end, "item_class": item_class}).fetchall()
    customers = tuple(
        ProductLineCustomer(str(company), str(customer_id), str(name), Decimal(net), Decimal(cost), Decimal(returns))
        for company, customer_id, name, net, cost, returns in rows
    )
    return ProductLine(item_class, described[0] if described else None, period, customers)
