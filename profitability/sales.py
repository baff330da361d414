"""Net sales, cost of goods, freight and misc billed, and commissions per customer.

Net sales = Σ (sales_amount − trade_discount) over invoices, debit memos and service documents
dated in the period, less the same for credit memos and returns; voided documents never count and
tax never counts. Where a document has no sales_amount, it is amount − tax − freight − misc.
Cost of goods = the document's cost_amount, else the sum of its lines' extended_cost, same signs.
Commissions = the document's commission_amount, else the salesperson's rate × the document's net
sales (the document's salesperson, else the customer's).
"""

from __future__ import annotations

SALES_TYPES = "('invoice', 'debit_memo', 'service')"
SALES_REDUCING_TYPES = "('credit_memo', 'return')"

SALES_CTES = f"""
line_cost AS (
    SELECT document_id, sum(extended_cost) AS line_cost FROM document_line GROUP BY document_id
),
sales_doc AS (
    SELECT d.customer_id, d.document_id,
           CASE WHEN d.document_type IN {SALES_TYPES} THEN 1 ELSE -1 END AS sign,
           coalesce(d.sales_amount,
                    d.amount - coalesce(d.tax_amount, 0) - coalesce(d.freight_amount, 0) - coalesce(d.misc_amount, 0))
             - coalesce(d.trade_discount, 0) AS net,
           coalesce(d.cost_amount, lc.line_cost, 0) AS cost,
           coalesce(d.freight_amount, 0) AS freight,
           coalesce(d.misc_amount, 0) AS misc,
           d.commission_amount,
           coalesce(d.salesperson_id, c.salesperson_id) AS salesperson_id
    FROM document d
    JOIN customer c USING (customer_id)
    LEFT JOIN line_cost lc USING (document_id)
    WHERE NOT d.voided
      AND d.document_type IN {SALES_TYPES[:-1]}, {SALES_REDUCING_TYPES[1:]}
      AND d.document_date BETWEEN $start AND $end
),
sales AS (
    SELECT sd.customer_id,
           sum(sign * net) AS net_sales,
           sum(sign * cost) AS cost_of_goods,
           sum(sign * freight) AS freight_billed,
           sum(sign * misc) AS misc_billed,
           sum(sign * coalesce(sd.commission_amount, net * coalesce(sp.commission_rate, 0))) AS commissions,
           count(*) AS documents
    FROM sales_doc sd
    LEFT JOIN salesperson sp ON sp.salesperson_id = sd.salesperson_id
    GROUP BY sd.customer_id
)"""
