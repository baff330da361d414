"""Net sales, cost of goods, freight and misc billed, and commissions per customer.

Net sales = Σ (sales_amount − trade_discount) over invoices, debit memos and service documents
dated in the period, less the same for credit memos and returns; voided documents never count and
tax never counts. Where a document has no sales_amount, it is amount − tax − freight − misc.
Cost of goods = the document's cost_amount, else the sum of its lines' extended_cost, same signs.
Commissions = the document's commission_amount, else the salesperson's rate × the document's net
sales (the document's salesperson, else the customer's).
Finance charges billed (amount − tax of finance-charge documents) are other income, not sales.
"""

from __future__ import annotations

SALES_TYPES = "('invoice', 'debit_memo', 'service')"
SALES_AND_REDUCING_TYPES = "('invoice', 'debit_memo', 'service', 'credit_memo', 'return')"

# Each document's lines summed (a prepared table, see profitability.prepared; both periods' sales documents
# join it).
LINE_TOTAL_SQL = """
SELECT company, document_id, sum(extended_cost) AS line_cost, sum(extended_price) AS line_price, count(*) AS lines
FROM document_line GROUP BY company, document_id
"""

# Needs line_total (above).
SALES_DOC_TABLE = f"""
CREATE OR REPLACE TEMP TABLE sales_doc AS
SELECT d.company, d.customer_id, d.document_id, d.document_type, d.number,
       CASE WHEN d.document_type IN {SALES_TYPES} THEN 1 ELSE -1 END AS sign,
       -- Without a sales amount, the document's amount is already after its trade discount.
       coalesce(d.sales_amount - coalesce(d.trade_discount, 0),
                d.amount - coalesce(d.tax_amount, 0) - coalesce(d.freight_amount, 0) - coalesce(d.misc_amount, 0))
         AS net,
       d.sales_amount,
       coalesce(d.cost_amount, lc.line_cost, 0) AS cost,
       coalesce(d.freight_amount, 0) AS freight,
       coalesce(d.misc_amount, 0) AS misc,
       d.commission_amount,
       coalesce(d.salesperson_id, c.salesperson_id) AS salesperson_id,
       lc.line_price, lc.lines
FROM document d
JOIN customer c USING (company, customer_id)
LEFT JOIN line_total lc USING (company, document_id)
WHERE NOT d.voided
  AND d.document_type IN {SALES_AND_REDUCING_TYPES}
  AND d.document_date BETWEEN $start AND $end
"""

SALES_CTE = """
sales AS (
    SELECT sd.company, sd.customer_id,
           sum(sign * net) AS net_sales,
           sum(sign * cost) AS cost_of_goods,
           sum(sign * freight) AS freight_billed,
           sum(sign * misc) AS misc_billed,
           sum(sign * coalesce(sd.commission_amount, net * coalesce(sp.commission_rate, 0))) AS commissions,
           sum(net) FILTER (WHERE document_type = 'return') AS returns_amount,
           count(*) AS documents
    FROM sales_doc sd
    LEFT JOIN salesperson sp ON sp.company = sd.company AND sp.salesperson_id = sd.salesperson_id
    GROUP BY sd.company, sd.customer_id
)"""

# Finance charges billed in the period (other income), tax left out.
FINANCE_CHARGE_CTE = """
finance_charge AS (
    SELECT company, customer_id, sum(amount - coalesce(tax_amount, 0)) AS finance_charges_billed
    FROM document
    WHERE NOT voided AND document_type = 'finance_charge' AND document_date BETWEEN $start AND $end
    GROUP BY company, customer_id
)"""

# Per product line (item class) and per item, from one pass over the period's sales lines: the line's own class
# where the source gives one, else its item's (the item master), else "unclassified"; signed like the line's
# document. Lines carry no document-level trade discount nor settlement discount, nor do documents without
# lines have any: what the classes do not hold is one more row (see portfolio.groups). Needs sales_doc.
# A sales line's product line: its own class where the source gives one, else its item's (the item master);
# over `document_line l LEFT JOIN item i`. NULL: neither has one.
LINE_CLASS = "coalesce(nullif(l.item_class, ''), nullif(i.item_class, ''))"

LINE_SALES_TABLE = f"""
CREATE OR REPLACE TEMP TABLE line_sales AS
SELECT sd.company, sd.customer_id, l.item_id,
       coalesce({LINE_CLASS}, 'unclassified') AS item_class,
       sum(sd.sign * l.extended_price) AS net_sales, sum(sd.sign * l.extended_cost) AS cost,
       coalesce(sum(l.extended_price) FILTER (WHERE sd.document_type = 'return'), 0) AS returns
FROM sales_doc sd JOIN document_line l USING (company, document_id)
LEFT JOIN item i ON i.company = l.company AND i.item_id = l.item_id
GROUP BY ALL
"""

# (key, description, net sales, cost, returns, customers, the three customers buying most) per `dimension`
# (item_class or item_id) of line_sales. The three are ranked among those at or above the third largest
# customer total of their key only (ties included; every customer of a key with fewer than three totals, as
# the window ranks a missing total last): sorting every key's customers took half the query.
GROUPED_LINES_SQL = """
WITH per AS (
    SELECT {key} AS key, company, customer_id, sum(net_sales) AS net_sales, sum(cost) AS cost, sum(returns) AS returns
    FROM line_sales GROUP BY ALL
),
grouped AS (
    SELECT key, sum(net_sales) AS net_sales, sum(cost) AS cost, sum(returns) AS returns, count(*) AS customers,
           list_min(max(net_sales, 3)) AS third, count(net_sales) AS priced
    FROM per GROUP BY key
),
top AS (
    SELECT key, string_agg(customer_id, ' ' ORDER BY place) AS customers FROM (
        SELECT p.key, p.customer_id,
               row_number() OVER (PARTITION BY p.key ORDER BY p.net_sales DESC, p.customer_id) AS place
        FROM per p JOIN grouped g ON g.key = p.key AND (p.net_sales >= g.third OR g.priced < 3)
    ) WHERE place <= 3 GROUP BY key
)
SELECT g.key, d.description, g.net_sales, g.cost, g.returns, g.customers, t.customers
FROM grouped g LEFT JOIN top t USING (key)
LEFT JOIN (SELECT {key} AS key, min({description}) AS description FROM item GROUP BY ALL) d USING (key)
ORDER BY g.net_sales DESC, g.key
"""
# Each product line's customers, most net sales first (the first 50: the accountant's drill-down; the rest are
# a `report --item-class` away).
CLASS_BUYERS_SQL = """
SELECT item_class, company, customer_id, net_sales, cost FROM (
    SELECT item_class, company, customer_id, sum(net_sales) AS net_sales, sum(cost) AS cost,
           row_number() OVER (PARTITION BY item_class ORDER BY sum(net_sales) DESC, company, customer_id) AS place
    FROM line_sales GROUP BY item_class, company, customer_id
) WHERE place <= 50 ORDER BY item_class, place
"""
ITEM_CLASS_SQL = GROUPED_LINES_SQL.format(key="item_class", description="class_description")
ITEM_SQL = GROUPED_LINES_SQL.format(key="item_id", description="description")

# Sales documents whose own sales amount differs from the sum of their lines (both before discount).
SALES_VS_LINES_SQL = """
SELECT company, document_id, customer_id, sales_amount, line_price
FROM sales_doc
WHERE lines IS NOT NULL AND sales_amount IS NOT NULL AND abs(sales_amount - line_price) >= 0.005
ORDER BY abs(sales_amount - line_price) DESC, company, document_id
"""
