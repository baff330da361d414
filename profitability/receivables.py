"""Open receivables as of a date, their ageing, payment behaviour and the financing cost of waiting.

A debit document (invoice, debit memo, finance charge, service, warranty) is open by its amount less
everything applied to it up to the as-of date (applied amount + discount taken + write-off). A credit
document (credit memo, return, payment) is unapplied by its amount less what it applied up to then.
Days past due = as-of date − due date (the document date where there is no due date). A day count equal
to a bucket's bound belongs to the bucket it closes; 0 days (due today) is current. Unapplied credits
lower the balance but are not aged. Voided documents are never open.
"""

from __future__ import annotations

from profitability.model import AgeingBuckets

CREDIT_TYPES = "('credit_memo', 'return', 'payment')"
DEBIT_TYPES = "('invoice', 'debit_memo', 'finance_charge', 'service', 'warranty')"

OPEN_ITEM_TABLE = f"""
CREATE OR REPLACE TEMP TABLE open_item AS
WITH applied_to AS (
    SELECT company, to_document_id AS document_id,
           sum(amount + coalesce(discount_taken, 0) + coalesce(write_off_amount, 0)) AS applied,
           max(apply_date) AS last_applied
    FROM application WHERE apply_date <= $as_of GROUP BY company, to_document_id
),
applied_from AS (
    SELECT company, from_document_id AS document_id, sum(amount) AS applied, max(apply_date) AS last_applied
    FROM application WHERE apply_date <= $as_of GROUP BY company, from_document_id
)
SELECT d.company, d.customer_id, d.document_id, d.document_type, d.document_date, d.due_date, d.amount, d.open_amount,
       CASE WHEN d.document_type IN {CREDIT_TYPES} THEN -1 ELSE 1 END AS sign,
       d.amount - CASE WHEN d.document_type IN {CREDIT_TYPES} THEN coalesce(f.applied, 0)
                       ELSE coalesce(t.applied, 0) END AS open,
       date_diff('day', coalesce(d.due_date, d.document_date), CAST($as_of AS DATE)) AS days_past_due,
       CASE WHEN d.amount - CASE WHEN d.document_type IN {CREDIT_TYPES} THEN coalesce(f.applied, 0)
                                 ELSE coalesce(t.applied, 0) END <= 0
            THEN coalesce(t.last_applied, f.last_applied) END AS paid_on
FROM document d
LEFT JOIN applied_to t USING (company, document_id)
LEFT JOIN applied_from f USING (company, document_id)
WHERE NOT d.voided AND d.document_date <= $as_of
"""


def ageing_cte(buckets: AgeingBuckets) -> str:
    columns = []
    for (lo, hi), key in zip(buckets.ranges(), buckets.column_keys(), strict=True):
        if lo is None:
            cond = f"days_past_due <= {hi}"
        elif hi is None:
            cond = f"days_past_due >= {lo}"
        else:
            cond = f"days_past_due BETWEEN {lo} AND {hi}"
        columns.append(f"sum(open) FILTER (WHERE sign = 1 AND {cond}) AS {key}")
    return f"""
ageing AS (
    SELECT company, customer_id,
           sum(sign * open) AS open_amount,
           sum(sign * open_amount) AS erp_open_amount,
           sum(open) FILTER (WHERE sign = 1 AND days_past_due >= 1) AS overdue_amount,
           sum(open) FILTER (WHERE sign = -1) AS unapplied_credits,
           {", ".join(columns)}
    FROM open_item WHERE open <> 0 OR open_amount <> 0 GROUP BY company, customer_id
)"""


# Financing: every amount settled on an invoice dated in the period waited from the invoice date to
# its application; what is still open waits to the as-of date. Σ amount × days, per customer; the
# engine multiplies by the yearly cost of capital ÷ 365.
FINANCING_CTE = f"""
financing AS (
    SELECT company, customer_id, sum(amount_settled * days) AS amount_days FROM (
        SELECT o.company, o.customer_id,
               a.amount + coalesce(a.discount_taken, 0) + coalesce(a.write_off_amount, 0) AS amount_settled,
               greatest(date_diff('day', o.document_date, a.apply_date), 0) AS days
        FROM open_item o
        JOIN application a ON a.company = o.company AND a.to_document_id = o.document_id AND a.apply_date <= $as_of
        WHERE o.sign = 1 AND o.document_type IN {DEBIT_TYPES} AND o.document_date BETWEEN $start AND $end
        UNION ALL
        SELECT company, customer_id, open, greatest(date_diff('day', document_date, CAST($as_of AS DATE)), 0)
        FROM open_item
        WHERE sign = 1 AND open > 0 AND document_date BETWEEN $start AND $end
    ) GROUP BY company, customer_id
)"""

# Payment behaviour: days from invoice to payment, weighted by the amount paid, over payments applied
# in the period; credit sales (documents that raise the balance, tax included) for DSO.
BEHAVIOUR_CTES = f"""
paid AS (
    SELECT d.company, d.customer_id,
           sum(a.amount * date_diff('day', d.document_date, a.apply_date)) AS amount_days,
           sum(a.amount * date_diff('day', coalesce(d.due_date, d.document_date), a.apply_date)) AS amount_days_late,
           sum(a.amount) AS amount_paid
    FROM application a
    JOIN document p ON p.company = a.company AND p.document_id = a.from_document_id AND p.document_type = 'payment'
    JOIN document d ON d.company = a.company AND d.document_id = a.to_document_id
    WHERE a.apply_date BETWEEN $start AND least(CAST($end AS DATE), CAST($as_of AS DATE)) AND NOT d.voided
    GROUP BY d.company, d.customer_id
),
credit_sales AS (
    SELECT company, customer_id, sum(amount) AS credit_sales FROM document
    WHERE NOT voided AND document_type IN {DEBIT_TYPES} AND document_date BETWEEN $start AND $end
    GROUP BY company, customer_id
),
write_off AS (
    SELECT d.company, d.customer_id, sum(a.write_off_amount) AS write_offs
    FROM application a JOIN document d ON d.company = a.company AND d.document_id = a.to_document_id
    WHERE a.apply_date BETWEEN $start AND $end AND coalesce(a.write_off_amount, 0) <> 0
    GROUP BY d.company, d.customer_id
)"""

RECONCILE_OPEN_SQL = """
SELECT coalesce(sum(sign * open), 0), coalesce(sum(sign * open_amount), 0),
       count(*) FILTER (WHERE open_amount IS NULL),
       greatest((SELECT max(document_date) FROM document), (SELECT max(apply_date) FROM application))
FROM open_item
"""
RECONCILE_OPEN_BY_CUSTOMER_SQL = """
SELECT company, customer_id, sum(sign * open) AS ledger_open, sum(sign * open_amount) AS erp_open
FROM open_item GROUP BY company, customer_id
HAVING abs(coalesce(sum(sign * open), 0) - coalesce(sum(sign * open_amount), 0)) >= 0.005
ORDER BY abs(coalesce(sum(sign * open), 0) - coalesce(sum(sign * open_amount), 0)) DESC, company, customer_id
"""
