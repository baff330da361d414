"""The profit bridge (reports/bridge.py): page 1 leads with steps from net sales to net profit that add up."""

from __future__ import annotations

import json
import re
import subprocess
from decimal import Decimal
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from reports.bridge import MIDDLE_STEPS, profit_bridge
from reports.context import build_context
from reports.outputs import summary
from reports.render import write_pdf
from tests.cases import alpha
from tests.reports.test_report import analysis_of, meta

D = Decimal

# Alpha's two customers (tests/cases/alpha.py) together: net sales 700 + 100 = 800.00, gross margin
# 220 + 40 = 260.00, other income 50.00, commissions 45.00, labour 240.00, activity costs 48 + 6 = 54.00,
# financing 20.3633 + 0.2856 = 20.6489, credit loss 52.945 + 0.595 = 53.54; net profit −131.3083 + 28.1194
# = −103.1889.
ALPHA_TOTALS = {
    "net_sales": D("800.00"),
    "gross_margin": D("260.00"),
    "other_income": D("50.00"),
    "commissions": D("45.00"),
    "labour_cost": D("240.00"),
    "activity_cost": D("54.00"),
    "financing_cost": D("20.6489"),
    "credit_loss": D("53.54"),
    "net_profit": D("-103.1889"),
}
# Each rounded on its own (as the tiles and later pages show them): financing −21, credit loss −54; from the
# gross margin of 260 the steps reach −104, one short of net profit's −103 — shown as a rounding difference
# of 1 just before net profit. Cost of goods: 260 − 800 = −540.
ALPHA_SHOWN = [
    ("net_sales", D(800)),
    ("cost_of_goods", D(-540)),
    ("gross_margin", D(260)),
    ("other_income", D(50)),
    ("commissions", D(-45)),
    ("labour_cost", D(-240)),
    ("activity_cost", D(-54)),
    ("financing_cost", D(-21)),
    ("credit_loss", D(-54)),
    ("rounding", D(1)),
    ("net_profit", D(-103)),
]


def test_alphas_bridge_worked_by_hand() -> None:
    steps = profit_bridge(ALPHA_TOTALS)
    assert [(s.key, s.shown) for s in steps] == ALPHA_SHOWN
    assert [s.key for s in steps if s.subtotal] == ["net_sales", "gross_margin", "net_profit"]
    assert steps[1].amount == D("-540.00") and steps[-1].amount == D("-103.1889")


money = st.decimals(min_value=-(10**9), max_value=10**9, places=4, allow_nan=False, allow_infinity=False)


@given(net_sales=money, cost=money, middle=st.lists(money, min_size=6, max_size=6))
def test_the_shown_steps_always_add_up(net_sales: Decimal, cost: Decimal, middle: list[Decimal]) -> None:
    totals = {"net_sales": net_sales, "gross_margin": net_sales - cost}
    signed = dict(zip([k for k, _ in MIDDLE_STEPS], middle, strict=True))
    totals.update({k: sign * signed[k] for k, sign in MIDDLE_STEPS})
    totals["net_profit"] = totals["gross_margin"] + sum(signed.values(), D(0))
    steps = {s.key: s for s in profit_bridge(totals)}
    assert steps["net_sales"].shown + steps["cost_of_goods"].shown == steps["gross_margin"].shown
    rounding = steps["rounding"].shown if "rounding" in steps else D(0)
    middle_shown = sum((steps[k].shown for k, _ in MIDDLE_STEPS), D(0))
    assert steps["gross_margin"].shown + middle_shown + rounding == steps["net_profit"].shown
    assert rounding != 0 or "rounding" not in steps  # shown only when needed
    assert abs(rounding) <= 3  # each of the six steps and net profit off by at most half a unit
    for key, step in steps.items():
        if key not in ("rounding", "cost_of_goods"):  # each as it reads on every other page
            assert step.shown == step.amount.quantize(D(1), rounding="ROUND_HALF_UP"), step
    assert abs(steps["cost_of_goods"].shown - steps["cost_of_goods"].amount) <= 1


def test_page_one_leads_with_a_bridge_that_adds_up_to_the_summarys_net_profit(tmp_path: Path) -> None:
    # The executive PDF read back as its reader sees page 1: the bridge's ten amounts, in order, adding
    # up to net profit, which is summary.json's net profit rounded to the unit.
    analysis = analysis_of(alpha.write_files(tmp_path / "files"), tmp_path)
    context = build_context(analysis, meta())
    pdf = write_pdf(context, tmp_path / "report.pdf")
    page_one = subprocess.run(
        ["pdftotext", "-f", "1", "-l", "1", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    assert "Profit bridge" in page_one
    labels = [
        "Net sales",
        "Cost of goods",
        "Gross margin",
        "Other income",
        "Commissions",
        "Labour cost to serve",
        "Activity costs",
        "Financing cost",
        "Credit loss",
        "Rounding difference",
        "Net profit",
    ]
    shown = []
    for label in labels:
        match = re.search(rf"^\s*{label}\s+(-?)€([\d,]+)\s*$", page_one, flags=re.M)
        assert match, (label, page_one)
        shown.append(D(match.group(2).replace(",", "")) * (-1 if match.group(1) else 1))
    assert shown == [amount for _, amount in ALPHA_SHOWN]
    assert shown[0] + shown[1] == shown[2] and sum(shown[2:10], D(0)) == shown[10]
    written = json.loads(json.dumps(summary(analysis, None, "Alpha Test AG", "EUR")))  # as summary.json holds it
    for key, amount in zip(("net_sales", "gross_margin", "net_profit"), (shown[0], shown[2], shown[10]), strict=True):
        assert D(written["totals"][key]).quantize(D(1), rounding="ROUND_HALF_UP") == amount, key
    # The headline tiles below it show the same numbers (a cost as a positive amount).
    tiles = {tile["label"]: tile["value"] for tile in context["headline"]}
    rows = {row["label"]: row["amount"] for row in context["bridge"]}
    for label in ("Net sales", "Gross margin", "Credit loss", "Net profit"):
        assert tiles[label] == (rows[label].replace("-", "", 1) if label == "Credit loss" else rows[label]), label
