"""Open receivables as of a date, aged by days past due.

A debit document (invoice, debit memo, finance charge, service, warranty) is open by its amount less
everything applied to it up to the as-of date (applied amount + discount taken + write-off). A credit
document (credit memo, return, payment) is unapplied by its amount less what it applied up to then.
Days past due = as-of date − due date (the document date where there is no due date). Unapplied
credits lower the balance but are not aged. Voided documents are never open.

When the as-of date is on or after the last document and application, the result must tie to the
ERP's own open amounts (GP: CURTRXAM); `reconciliation_sql` checks that.
"""

from __future__ import annotations

import itertools

from profitability.model import AgeingBuckets

CREDIT_TYPES = "('credit_memo', 'return', 'payment')"

OPEN_ITEMS_CTES = f"""
applied_to AS (
    SELECT to_document_id AS document_id,
           sum(amount + coalesce(discount_taken, 0) + coalesce(write_off_amount, 0)) AS applied
    FROM application WHERE apply_date <= $as_of GROUP BY to_document_id
),
applied_from AS (
    SELECT from_document_id AS document_id, sum(amount) AS applied
    FROM application WHERE apply_date <= $as_of GROUP BY from_document_id
),
open_item AS (
    SELECT d.customer_id, d.document_id, d.document_type, d.due_date, d.document_date,
           CASE WHEN d.document_type IN {CREDIT_TYPES} THEN -1 ELSE 1 END AS sign,
           d.amount - CASE WHEN d.document_type IN {CREDIT_TYPES} THEN coalesce(f.applied, 0)
                           ELSE coalesce(t.applied, 0) END AS open,
           date_diff('day', coalesce(d.due_date, d.document_date), CAST($as_of AS DATE)) AS days_past_due
    FROM document d
    LEFT JOIN applied_to t USING (document_id)
    LEFT JOIN applied_from f USING (document_id)
    WHERE NOT d.voided AND d.document_date <= $as_of
)"""


def ageing_cte(buckets: AgeingBuckets) -> str:
    bounds = buckets.bounds
    columns = ["sum(open) FILTER (WHERE sign = 1 AND days_past_due <= 0) AS current"]
    for (lo, hi), key in zip(itertools.pairwise(bounds), buckets.column_keys()[1:], strict=False):
        columns.append(f"sum(open) FILTER (WHERE sign = 1 AND days_past_due BETWEEN {lo + 1} AND {hi}) AS {key}")
    columns.append(f"sum(open) FILTER (WHERE sign = 1 AND days_past_due > {bounds[-1]}) AS {buckets.column_keys()[-1]}")
    return f"""
ageing AS (
    SELECT customer_id,
           sum(sign * open) AS open_amount,
           sum(open) FILTER (WHERE sign = 1 AND days_past_due >= 1) AS overdue_amount,
           sum(open) FILTER (WHERE sign = -1) AS unapplied_credits,
           {", ".join(columns)}
    FROM open_item WHERE open <> 0 GROUP BY customer_id
)"""


RECONCILIATION_SQL = f"""
WITH {OPEN_ITEMS_CTES.strip()}
SELECT
    (SELECT coalesce(sum(sign * open), 0) FROM open_item) AS ledger_open,
    (SELECT coalesce(sum(CASE WHEN document_type IN {CREDIT_TYPES} THEN -1 ELSE 1 END * open_amount), 0)
       FROM document WHERE NOT voided) AS erp_open,
    (SELECT count(*) FROM document WHERE NOT voided AND open_amount IS NULL) AS documents_without_erp_open,
    (SELECT greatest(max(document_date), (SELECT max(apply_date) FROM application)) FROM document) AS last_activity
"""
