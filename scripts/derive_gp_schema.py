"""Derive connector/gp_schema.tsv from the shared GP reference (tables.tsv of a real GP company).

Run once when the set of tables changes: python scripts/derive_gp_schema.py ../shared/reference/dynamics-gp/tables.tsv
Project Accounting tables are not in the reference; their columns are appended from PA_ASSUMED
(names verified from public sources, SQL types assumed; see docs/gp-contract.md).
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

TABLES = (
    "RM00101",
    "RM00301",
    "RM20101",
    "RM30101",
    "RM20201",
    "RM30201",
    "SOP30200",
    "SOP30300",
    "UPR00100",
    "MC020102",
    "RM40401",
)

PA_ASSUMED = {
    "PA30101": [
        ("PATSTYP", "smallint"),
        ("PATSNO", "char(17)"),
        ("PAREFNO", "char(17)"),
        ("EMPLOYID", "char(15)"),
        ("PADT", "datetime"),
        ("PAPROJNUMBER", "char(15)"),
        ("PACOSTCATID", "char(15)"),
        ("PAQtyQ", "numeric(19,5)"),
        ("PAUNITCOST", "numeric(19,5)"),
        ("PAEXTCOST", "numeric(19,5)"),
        ("PATOTCST", "numeric(19,5)"),
        ("PABILRATE", "numeric(19,5)"),
        ("PAACREV", "numeric(19,5)"),
        ("PANB_Qty", "numeric(19,5)"),
        ("PANC_Qty", "numeric(19,5)"),
        ("LNITMSEQ", "int"),
        ("PADepartment", "char(7)"),
        ("DEX_ROW_ID", "int"),
    ],
    "PA01201": [
        ("CUSTNMBR", "char(15)"),
        ("PACONTNUMBER", "char(11)"),
        ("PAprojid", "char(15)"),
        ("PAprojname", "char(31)"),
        ("PAPROJNUMBER", "char(15)"),
        ("PAprjclsid", "char(15)"),
        ("PAProjectType", "smallint"),
        ("PASTAT", "smallint"),
        ("SLPRSNID", "char(15)"),
        ("DEX_ROW_ID", "int"),
    ],
}


def main(reference: str) -> None:
    out = Path(__file__).resolve().parent.parent / "connector" / "gp_schema.tsv"
    with open(reference, encoding="utf-8", newline="") as f, open(out, "w", encoding="utf-8", newline="") as g:
        writer = csv.writer(g, delimiter="\t", lineterminator="\n")
        writer.writerow(["table", "column", "sql_type", "verified"])
        for row in csv.DictReader(f, delimiter="\t"):
            if row["table"] in TABLES:
                writer.writerow([row["table"], row["column"], row["sql_type"], "yes"])
        for table, cols in PA_ASSUMED.items():
            for column, sql_type in cols:
                writer.writerow([table, column, sql_type, "assumed"])


if __name__ == "__main__":
    main(sys.argv[1])
