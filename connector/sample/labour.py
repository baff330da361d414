"""Labour of the sample company: one project per customer and an internal one (PA01201), and time entries
(PA30101) weighted toward the customers that take the most support."""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
from decimal import Decimal

from connector.sample.company import COST_CATEGORIES, START, TODAY, GeneratorState, money
from connector.sample.gp_db import TableWriter


class Labour(GeneratorState):
    def labour(self) -> None:
        rng = self.rng
        projects = TableWriter(
            self.con,
            "PA01201",
            ("CUSTNMBR", "PAprojid", "PAprojname", "PAPROJNUMBER", "PAProjectType", "PASTAT", "SLPRSNID"),
        )
        factor = {"loser": 14.0, "declining": 4.0, "whale": 0.4, "late": 1.5}
        weights = list(itertools.accumulate(c.weight * factor.get(c.profile, 1.0) for c in self.customers))
        for c in self.customers:
            projects.add(c.id, f"P-{c.id}", f"Service {c.name}"[:31], f"P-{c.id}", 1, 1, c.salesperson)
        projects.add("", "INTERNAL", "Internal and training", "INTERNAL", 2, 1, "")
        projects.flush()
        categories = [c[:2] for c in COST_CATEGORIES]
        cat_weights = list(itertools.accumulate(c[2] for c in COST_CATEGORIES))
        for n in range(self.size.time_entries):
            if rng.random() < 0.05:
                cust = None
                project = "INTERNAL"
            else:
                cust = self.customers[bisect.bisect_left(weights, rng.random() * weights[-1])]
                project = f"P-{cust.id}"
            category, dept = categories[bisect.bisect_left(cat_weights, rng.random() * cat_weights[-1])]
            employee, rate = rng.choice(self.employees[dept] or self.employees["SUPPORT"])
            if cust is not None and cust.profile == "declining" and rng.random() < 0.6:
                day = TODAY - dt.timedelta(days=rng.randrange(0, 180))  # support load rising lately
            else:
                day = START + dt.timedelta(days=rng.randrange(0, self.days + 1))
            hours = Decimal(rng.randint(1, 8)) / 4
            cost = money(hours * rate)
            self.w["PA30101"].add(
                1,
                f"TS{n // 10 + 1:08d}",
                employee,
                day,
                project,
                category,
                hours,
                rate,
                cost,
                cost,
                (n % 10 + 1) * 16384,
                dept,
            )
