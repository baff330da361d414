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

# The period's open items as of the as-of date, from what settled each document up to then. Needs
# receivable and settlement (prepared tables, see profitability.prepared).
OPEN_ITEM_TABLE = """
CREATE OR REPLACE TEMP TABLE open_item AS
WITH applied AS (
    SELECT company, document_id, sum(amount) AS applied FROM settlement WHERE apply_date <= $as_of GROUP BY ALL
)
SELECT r.company, r.customer_id, r.document_id, r.document_type, r.document_date, r.due_date, r.amount,
       r.open_amount, r.sign, r.amount - coalesce(a.applied, 0) AS open,
       date_diff('day', coalesce(r.due_date, r.document_date), CAST($as_of AS DATE)) AS days_past_due
FROM receivable r LEFT JOIN applied a USING (company, document_id)
WHERE r.document_date <= $as_of
"""


def bucket_conditions(buckets: AgeingBuckets) -> list[tuple[str, str]]:
    """(column key, SQL condition on days_past_due) of each ageing bucket, current first."""
    out = []
    for (lo, hi), key in zip(buckets.ranges(), buckets.column_keys(), strict=True):
        if lo is None:
            cond = f"days_past_due <= {hi}"
        elif hi is None:
            cond = f"days_past_due >= {lo}"
        else:
            cond = f"days_past_due BETWEEN {lo} AND {hi}"
        out.append((key, cond))
    return out


def ageing_cte(buckets: AgeingBuckets) -> str:
    columns = [f"sum(open) FILTER (WHERE sign = 1 AND {cond}) AS {key}" for key, cond in bucket_conditions(buckets)]
    return f"""
ageing AS (
    SELECT company, customer_id,
           sum(sign * open) AS open_amount,
           sum(open) FILTER (WHERE sign = 1 AND days_past_due >= 1) AS overdue_amount,
           sum(open) FILTER (WHERE sign = -1) AS unapplied_credits,
           {", ".join(columns)}
    FROM open_item WHERE open <> 0 OR open_amount <> 0 GROUP BY company, customer_id
)"""


# What settles each document (a prepared table, see profitability.prepared): for a debit document every amount
# applied to it (payment or credit + discount taken + write-off), for a credit document every amount it
# applied; with the document's customer and sign, so that what follows needs no join. A voided document
# neither settles nor is settled: an application with a voided document on either side counts for neither (GP
# removes a voided payment's applications; a ledger that still holds one must not show the invoice paid by
# it). `inferred` marks what a source's open amount settles without any record of how (see `inferring` below).
SETTLEMENT_SQL = f"""
WITH voided AS (SELECT company, document_id FROM document WHERE voided),
-- Sources that give open amounts but no applications at all (a files export without applications.csv;
-- Business Central where no credit memo names its invoice): each debit document's settled amount (amount −
-- open amount) is matched with the credits' given amounts (amount − open amount; a credit without one, as
-- BC's credit memos, gave all of it) oldest first per customer — where the two running totals overlap —
-- each pair dated the later of the two documents. Without this a BC credit memo counted twice: once in
-- the invoice's remaining amount, again as an unapplied credit.
unmatched_sources AS (
    SELECT DISTINCT company, source_system FROM document
    EXCEPT SELECT DISTINCT company, source_system FROM application
),
settled AS (
    SELECT d.company, d.customer_id, d.document_id, d.document_date,
           d.document_type IN {CREDIT_TYPES} AS credit,
           d.amount - coalesce(d.open_amount, CASE WHEN d.document_type IN {CREDIT_TYPES} THEN 0 END) AS amount
    FROM document d SEMI JOIN unmatched_sources USING (company, source_system)
    WHERE NOT d.voided AND d.amount > 0
),
running AS (
    SELECT *, sum(amount) OVER (PARTITION BY company, customer_id, credit ORDER BY document_date, document_id
                                ROWS UNBOUNDED PRECEDING) AS upto
    FROM settled WHERE amount > 0
),
matched AS (
    SELECT c.company, c.document_id AS from_document_id, d.document_id AS to_document_id,
           least(c.upto, d.upto) - greatest(c.upto - c.amount, d.upto - d.amount) AS amount,
           greatest(c.document_date, d.document_date) AS apply_date
    FROM running c JOIN running d
      ON d.company = c.company AND d.customer_id = c.customer_id AND c.credit AND NOT d.credit
     AND c.upto - c.amount < d.upto AND d.upto - d.amount < c.upto
),
live AS (
    SELECT a.company, a.from_document_id, a.to_document_id, a.amount, a.apply_date, a.discount_taken,
           a.write_off_amount, false AS inferred
    FROM application a
    ANTI JOIN voided f ON f.company = a.company AND f.document_id = a.from_document_id
    ANTI JOIN voided t ON t.company = a.company AND t.document_id = a.to_document_id
    UNION ALL
    SELECT company, from_document_id, to_document_id, amount, apply_date, NULL, NULL, true FROM matched
),
debit AS (
    SELECT a.company, a.to_document_id AS document_id, d.customer_id, 1 AS sign,
           d.document_type = 'finance_charge' AS finance_charge, a.apply_date,
           a.amount + coalesce(a.discount_taken, 0) + coalesce(a.write_off_amount, 0) AS amount,
           a.discount_taken, a.write_off_amount, a.inferred
    FROM live a JOIN document d ON d.company = a.company AND d.document_id = a.to_document_id
    WHERE d.document_type NOT IN {CREDIT_TYPES}
),
applied AS (SELECT company, document_id, sum(amount) AS amount FROM debit GROUP BY ALL),
-- Sources that keep each document's open amount but record no payment at all (Business Central's
-- API has no posted payments; a files export without payments), and what the matching above left
-- over (discounts, write-offs): what the open amount says was settled, beyond the applications, is
-- settled without a payment record — on the day the document was paid off where the source says so,
-- else on the day of the sync that first saw that open amount (no later than then; the run id starts
-- with its date).
inferring AS (
    SELECT company, source_system FROM document GROUP BY ALL
    HAVING count(*) FILTER (WHERE document_type = 'payment') = 0
    UNION SELECT company, source_system FROM unmatched_sources
),
inferred AS (
    SELECT d.company, d.document_id, d.customer_id, 1 AS sign, d.document_type = 'finance_charge' AS finance_charge,
           greatest(d.document_date, coalesce(d.paid_off_date,
                    CAST(try_strptime(left(d.run_id, 8), '%Y%m%d') AS DATE), d.document_date)) AS apply_date,
           d.amount - d.open_amount - coalesce(p.amount, 0) AS amount, NULL AS discount_taken,
           NULL AS write_off_amount, true AS inferred
    FROM document d SEMI JOIN inferring i USING (company, source_system)
    LEFT JOIN applied p USING (company, document_id)
    WHERE NOT d.voided AND d.document_type NOT IN {CREDIT_TYPES} AND d.open_amount IS NOT NULL
      AND d.amount - d.open_amount - coalesce(p.amount, 0) > 0
)
SELECT * FROM debit
UNION ALL
SELECT * FROM inferred
UNION ALL
SELECT a.company, a.from_document_id, d.customer_id, -1, false, a.apply_date, a.amount, NULL, NULL, a.inferred
FROM live a JOIN document d ON d.company = a.company AND d.document_id = a.from_document_id
WHERE d.document_type IN {CREDIT_TYPES}
"""

# Every document that is not voided, the ERP's own open amount, its sign on the balance and the day it was
# settled in full: the first day what settled it reached its amount (NULL: still open). That is the last day
# money moved on it, unless it was over-settled later: only those few are walked day by day. Needs settlement.
RECEIVABLE_SQL = f"""
WITH daily AS (
    SELECT company, document_id, apply_date, sum(amount) AS amount FROM settlement GROUP BY ALL
),
settled AS (
    SELECT company, document_id, sum(amount) AS total, max(apply_date) AS last_day,
           arg_max(amount, apply_date) AS last_amount
    FROM daily GROUP BY ALL
),
over_settled AS (
    SELECT s.company, s.document_id FROM settled s JOIN document d USING (company, document_id)
    WHERE d.amount > 0 AND s.total - s.last_amount >= d.amount
),
running AS (
    SELECT company, document_id, apply_date,
           sum(amount) OVER (PARTITION BY company, document_id ORDER BY apply_date) AS settled
    FROM daily SEMI JOIN over_settled USING (company, document_id)
),
first_day AS (
    SELECT r.company, r.document_id, min(r.apply_date) AS settled_on
    FROM running r JOIN document d USING (company, document_id)
    WHERE r.settled >= d.amount GROUP BY ALL
)
SELECT d.company, d.customer_id, d.document_id, d.document_type, d.document_date, d.due_date, d.amount,
       d.open_amount, CASE WHEN d.document_type IN {CREDIT_TYPES} THEN -1 ELSE 1 END AS sign,
       CASE WHEN d.amount <= 0 THEN d.document_date
            WHEN s.total >= d.amount THEN coalesce(f.settled_on, s.last_day) END AS settled_on
FROM document d
LEFT JOIN settled s USING (company, document_id)
LEFT JOIN first_day f USING (company, document_id)
WHERE NOT d.voided
"""

# The customer's outstanding balance from day to day, for financing: open debit amounts less unapplied
# credits and cash (finance charges are left out: they are not charged financing). `balance` holds from
# `day` to the day before `next_day` (NULL: still today). Needs receivable and settlement.
BALANCE_STEP_SQL = """
WITH delta AS (
    SELECT company, customer_id, document_date AS day, sign * amount AS delta
    FROM receivable WHERE document_type <> 'finance_charge'
    UNION ALL
    SELECT company, customer_id, apply_date, -sign * amount FROM settlement WHERE NOT finance_charge
),
daily AS (SELECT company, customer_id, day, sum(delta) AS delta FROM delta GROUP BY ALL)
SELECT company, customer_id, day,
       sum(delta) OVER w AS balance,
       lead(day) OVER w AS next_day
FROM daily
WINDOW w AS (PARTITION BY company, customer_id ORDER BY day)
"""

# Financing: Σ over the days of the period of the balance that day (not below zero), per customer; the
# engine multiplies by the yearly cost of capital ÷ 365. $after is the day after the period.
FINANCING_CTE = """
financing AS (
    SELECT company, customer_id,
           sum(balance * date_diff('day', greatest(day, CAST($start AS DATE)),
                                   least(coalesce(next_day, CAST($after AS DATE)), CAST($after AS DATE))))
             AS amount_days
    FROM balance_step
    WHERE balance > 0 AND day <= $end AND coalesce(next_day, CAST($after AS DATE)) > $start
    GROUP BY company, customer_id
)"""

# Customers with a document dated in the period, something open on some day of it, or an application in it.
OPEN_IN_PERIOD_CTE = """
open_in_period AS (
    SELECT DISTINCT company, customer_id FROM receivable
    WHERE document_date <= $end
      AND (document_date >= $start OR ((settled_on IS NULL OR settled_on > $start) AND amount <> 0))
    UNION
    SELECT DISTINCT company, customer_id FROM settlement WHERE apply_date BETWEEN $start AND $end
)"""


def exposure_sql(buckets: AgeingBuckets) -> str:
    """Each customer's net exposure at the date $at by ageing bucket: the open debit items aged at $at,
    reduced by the customer's unapplied credits and cash, oldest item first (IFRS 9's exposure at
    default of a customer who may offset). Needs receivable and settlement."""
    columns = [
        f"CAST(sum(exposure) FILTER (WHERE {cond}) AS VARCHAR) AS {key}" for key, cond in bucket_conditions(buckets)
    ]
    return f"""
WITH applied AS (
    SELECT company, document_id, sum(amount) AS applied FROM settlement WHERE apply_date <= $at GROUP BY ALL
),
item AS (
    SELECT r.company, r.customer_id, r.document_id, r.sign, r.amount - coalesce(a.applied, 0) AS open,
           coalesce(r.due_date, r.document_date) AS due,
           date_diff('day', coalesce(r.due_date, r.document_date), CAST($at AS DATE)) AS days_past_due
    FROM receivable r LEFT JOIN applied a USING (company, document_id)
    WHERE r.document_date <= $at AND (r.settled_on IS NULL OR r.settled_on > $at)
),
credit AS (SELECT company, customer_id, sum(open) AS unapplied FROM item WHERE sign = -1 AND open > 0 GROUP BY ALL),
debit AS (
    SELECT company, customer_id, days_past_due, open,
           sum(open) OVER (PARTITION BY company, customer_id ORDER BY due, document_id ROWS UNBOUNDED PRECEDING)
             AS running
    FROM item WHERE sign = 1 AND open > 0
),
exposed AS (
    SELECT d.company, d.customer_id, d.days_past_due,
           greatest(0, least(d.open, d.running - coalesce(c.unapplied, 0))) AS exposure
    FROM debit d LEFT JOIN credit c USING (company, customer_id)
)
SELECT company, customer_id, {", ".join(columns)}
FROM exposed WHERE exposure > 0 GROUP BY company, customer_id
"""


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
    WHERE a.apply_date BETWEEN $start AND least(CAST($end AS DATE), CAST($as_of AS DATE))
      AND NOT d.voided AND NOT p.voided
    GROUP BY d.company, d.customer_id
),
credit_sales AS (
    SELECT company, customer_id, sum(amount) AS credit_sales FROM document
    WHERE NOT voided AND document_type IN {DEBIT_TYPES} AND document_date BETWEEN $start AND $end
    GROUP BY company, customer_id
),
write_off AS (
    SELECT company, customer_id, sum(coalesce(write_off_amount, 0)) AS write_offs,
           sum(coalesce(discount_taken, 0)) AS discounts_taken
    FROM settlement
    WHERE sign = 1 AND apply_date BETWEEN $start AND $end
      AND (coalesce(write_off_amount, 0) <> 0 OR coalesce(discount_taken, 0) <> 0)
    GROUP BY company, customer_id
)"""

# Over the documents whose open amount the source gives (Business Central's credit memos have none: they
# are counted, and left out of both sides). What a source's open amounts settled without a payment record
# (settlement.inferred) ties by construction: counted apart, so the reader sees how much was inferred.
RECONCILE_OPEN_SQL = """
SELECT coalesce(sum(sign * open) FILTER (WHERE open_amount IS NOT NULL), 0), coalesce(sum(sign * open_amount), 0),
       count(*) FILTER (WHERE open_amount IS NULL), count(*) FILTER (WHERE open_amount IS NOT NULL),
       greatest((SELECT max(document_date) FROM document), (SELECT max(apply_date) FROM application),
                (SELECT max(apply_date) FROM settlement WHERE inferred)),
       (SELECT count(DISTINCT document_id) FROM settlement WHERE inferred AND sign = 1 AND apply_date <= $as_of),
       (SELECT coalesce(sum(amount), 0) FROM settlement WHERE inferred AND sign = 1 AND apply_date <= $as_of)
FROM open_item
"""
RECONCILE_OPEN_BY_CUSTOMER_SQL = """
SELECT company, customer_id, sum(sign * open) AS ledger_open, sum(sign * open_amount) AS erp_open
FROM open_item WHERE open_amount IS NOT NULL GROUP BY company, customer_id
HAVING abs(coalesce(sum(sign * open), 0) - coalesce(sum(sign * open_amount), 0)) >= 0.005
ORDER BY abs(coalesce(sum(sign * open), 0) - coalesce(sum(sign * open_amount), 0)) DESC, company, customer_id
"""
