"""Mutation testing of the money path: would a test notice if one token of the code were wrong?

    .venv/bin/python scripts/mutate.py --sample 60 --seed 1          # a sample of every area (slow: minutes)
    .venv/bin/python scripts/mutate.py --area profitability --list    # the mutants, not run
    .venv/bin/python scripts/mutate.py --file profitability/sales.py --all

mutmut and cosmic-ray mutate Python's syntax tree, so they never touch the SQL the engine's figures come
from (most of them are SQL strings here). This script mutates the text: one token at a time, in Python and
in SQL alike — a comparison (`>=` → `>`, `<` → `<=`, …), an arithmetic sign (`+` ↔ `-`, `*` → `/`), a
logical word (`AND` ↔ `OR`, `NOT ` dropped, `and` ↔ `or`), `coalesce(a, b` with its first two arguments
swapped, `least` ↔ `greatest`, a number n → n + 1, `True` ↔ `False`, and in the reports' escaping a `.replace(` dropped, one short string of
a tuple dropped or the first character of a regex's character class dropped. Each mutant is written over the file, the area's tests run (`pytest -x -q`, stopping at
the first failure), and the file is put back; a mutant no test fails "survives". The score of an area is
killed ÷ mutants. Comments and docstrings are left alone. The file is restored also after Ctrl-C or a
SIGTERM.
"""

from __future__ import annotations

import argparse
import ast
import random
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Each area: the files mutated and the tests that should notice (fast ones: the hypothesis property test
# and the Chromium and PDF tests are left to CI).
AREAS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "profitability": (
        (
            "profitability/sales.py",
            "profitability/receivables.py",
            "profitability/risk.py",
            "profitability/customers.py",
            "profitability/activity.py",
            "profitability/labour.py",
            "profitability/portfolio.py",
            "profitability/analyze.py",
        ),
        (
            "tests/profitability/test_branches.py",
            "tests/profitability/test_analyze.py",
            "tests/profitability/test_flows.py",
            "tests/profitability/test_published_examples.py",
            "tests/profitability/test_portfolio.py",
            "tests/profitability/test_reconciliation.py",
            "tests/profitability/test_customers.py",
            "tests/profitlens/test_multi_company.py",  # two companies, one at an exchange rate
            "tests/profitability/test_product_lines.py",
            "tests/reports/test_product_lines.py::test_the_lines_their_figures_and_the_best_and_weakest",
        ),
    ),
    "mappings": (("mappings/engine.py", "mappings/coerce.py", "mappings/columnar.py"), ("tests/mappings",)),
    "gp_sql": (
        ("connector/gp_sql.py", "connector/gp_streams.py", "connector/gp_values.py"),
        ("tests/connector/test_gp_sql.py",),
    ),
    # Only what escapes: the HTML report's data block, the spreadsheet cells, Jinja's autoescape.
    "escaping": (
        (
            "reports/details.py::_safe_in_script",
            "reports/outputs.py::safe_cell",
            "reports/outputs.py::_FORMULA_START",
            "reports/outputs.py::_FORMULA_AFTER_SEPARATOR",
            "reports/workbook.py::_cell",
            "reports/render.py::environment",
        ),
        ("tests/reports/test_report.py", "tests/reports/test_exports.py"),
    ),
}

SWAPS = [
    (r">=", ">"),
    (r"<=", "<"),
    (r"(?<![<>=!-])>(?![=>])", ">="),
    (r"(?<![<>=!])<(?![=<])", "<="),
    (r"==", "!="),
    (r"!=", "=="),
    (r"(?<=\s)\+(?=\s)", "-"),
    (r"(?<=\s)-(?=\s)", "+"),
    (r"(?<=\s)\*(?=\s)", "/"),
    (r"\bAND\b", "OR"),
    (r"\bOR\b(?! REPLACE)", "AND"),
    (r"\bNOT ", ""),
    (r"\band\b", "or"),
    (r"\bor\b", "and"),
    (r"\bleast\(", "greatest("),
    (r"\bgreatest\(", "least("),
    (r"\bmax\(", "min("),
    (r"\bmin\(", "max("),
    (r"(?<![\w.])\d+(?![\w.])", None),  # a whole number: n → n + 1
    (r"\.replace\(\"[^\"]*\", \"[^\"]*\"\)", ""),  # an escape dropped (reports)
    (r"(?<!strict=)\bTrue\b", "False"),  # zip's strict= only asserts: flipping it changes nothing
    (r"(?<!strict=)\bFalse\b", "True"),
    (r'"[^"]{1,2}", ', ""),  # one short string of a tuple dropped (a formula start)
    (r"(?<=\[)(\\.|[^\]\\])", ""),  # the first character of a regex's character class dropped
]
REPORTS_ONLY = {r"\.replace\(\"[^\"]*\", \"[^\"]*\"\)", r'"[^"]{1,2}", ', r"(?<=\[)(\\.|[^\]\\])"}
WORDS = {r"\bAND\b", r"\bOR\b(?! REPLACE)", r"\bNOT ", r"\band\b", r"\bor\b"}
SQL_LINE = re.compile(r"\b(SELECT|WHERE|FROM|JOIN|FILTER|HAVING|CASE)\b")
COALESCE = re.compile(r"coalesce\(([^(),]+), ([^(),]+)([,)])")


@dataclass(frozen=True)
class Mutant:
    path: str
    line: int
    before: str
    after: str

    def describe(self) -> str:
        return f"{self.path}:{self.line}: {self.before.strip()[:90]!r} → {self.after.strip()[:90]!r}"


def _skipped_lines(text: str) -> set[int]:
    """Line numbers of comments, docstrings and import lines (mutating them proves nothing)."""
    skipped: set[int] = set()
    lines = text.splitlines()
    in_doc = False
    for number, line in enumerate(lines, 1):
        stripped = line.strip()
        starts_doc = stripped.startswith(('"""', 'r"""'))
        if in_doc or starts_doc:
            skipped.add(number)
            quotes = stripped.count('"""')
            if (starts_doc and quotes == 1 and not in_doc) or (in_doc and quotes >= 1):
                in_doc = not in_doc
            continue
        if stripped.startswith(("#", "import ", "from ", "@")) or not stripped:
            skipped.add(number)
    return skipped


def _code_part(line: str) -> str:
    """The line without a trailing Python or SQL comment."""
    for marker in ("  # ", "-- "):
        at = line.find(marker)
        if at >= 0:
            return line[:at]
    return line


def _lines_of(text: str, name: str) -> range:
    """The lines of the top-level function, class or assignment `name` (a `path::name` entry of AREAS)."""
    for node in ast.parse(text).body:
        targets = [t.id for t in getattr(node, "targets", []) if isinstance(t, ast.Name)]
        if getattr(node, "name", None) == name or name in targets:
            return range(node.lineno, (node.end_lineno or node.lineno) + 1)
    raise SystemExit(f"mutate.py: {name} is not defined at the top level of its file (see AREAS)")


def mutants_of(spec: str) -> list[Mutant]:
    path, _, name = spec.partition("::")
    text = (ROOT / path).read_text(encoding="utf-8")
    skipped = _skipped_lines(text)
    only = _lines_of(text, name) if name else None
    out: list[Mutant] = []
    for number, line in enumerate(text.splitlines(), 1):
        if number in skipped or (only is not None and number not in only):
            continue
        code = _code_part(line)
        rest = line[len(code) :]
        for pattern, replacement in SWAPS:
            for match in re.finditer(pattern, code):
                if pattern in WORDS and code[: match.start()].count('"') % 2 and not SQL_LINE.search(code):
                    continue  # a word of a message, not a logical operator
                new = str(int(match.group()) + 1) if replacement is None else replacement
                if pattern in REPORTS_ONLY and not path.startswith("reports/"):
                    continue
                out.append(Mutant(path, number, line, code[: match.start()] + new + code[match.end() :] + rest))
        for match in COALESCE.finditer(code):
            swapped = f"coalesce({match.group(2)}, {match.group(1)}{match.group(3)}"
            out.append(Mutant(path, number, line, code[: match.start()] + swapped + code[match.end() :] + rest))
    return out


def run(mutant: Mutant, tests: tuple[str, ...], timeout: int) -> str:
    file = ROOT / mutant.path
    original = file.read_text(encoding="utf-8")
    lines = original.splitlines(keepends=True)
    ending = "\n" if lines[mutant.line - 1].endswith("\n") else ""
    lines[mutant.line - 1] = mutant.after + ending
    try:
        file.write_text("".join(lines), encoding="utf-8")
        result = subprocess.run(  # noqa: S603 - our own interpreter running our own tests
            [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *tests],
            check=False,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        return "survived" if result.returncode == 0 else "killed"
    except subprocess.TimeoutExpired:
        return "killed"  # a mutant that makes the tests hang is noticed
    finally:
        file.write_text(original, encoding="utf-8")


def _stop(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)  # unwinds through run()'s `finally`: the mutated file is put back


def main() -> int:
    signal.signal(signal.SIGTERM, _stop)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--area", action="append", choices=sorted(AREAS), help="default: every area")
    parser.add_argument("--file", help="only this file (its area's tests run)")
    parser.add_argument("--lines", help="only these lines of --file, e.g. 60-140 (new code, measured on its own)")
    parser.add_argument("--sample", type=int, default=0, help="mutants per area, drawn at random (0: all)")
    parser.add_argument("--all", action="store_true", help="every mutant (the same as --sample 0)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--list", action="store_true", help="print the mutants, run nothing")
    parser.add_argument("--timeout", type=int, default=600, help="seconds a mutant's tests may take")
    args = parser.parse_args()
    rng = random.Random(args.seed)  # noqa: S311 - a reproducible sample, not a secret
    survivors: list[Mutant] = []
    scores: list[tuple[str, int, int]] = []
    for area in args.area or sorted(AREAS):
        files, tests = AREAS[area]
        if args.file:
            files = tuple(f for f in files if f.partition("::")[0] == args.file)
            if not files:
                continue
        mutants = [m for f in files for m in mutants_of(f)]
        if args.lines:
            first, _, last = args.lines.partition("-")
            mutants = [m for m in mutants if int(first) <= m.line <= int(last or first)]
        if args.sample and not args.all and len(mutants) > args.sample:
            mutants = sorted(rng.sample(mutants, args.sample), key=lambda m: (m.path, m.line))
        killed = 0
        for m in mutants:
            if args.list:
                print(m.describe())
                continue
            started = time.perf_counter()
            outcome = run(m, tests, args.timeout)
            killed += outcome == "killed"
            if outcome == "survived":
                survivors.append(m)
            print(f"{outcome:8} {time.perf_counter() - started:5.1f} s  {m.describe()}", flush=True)
        scores.append((area, killed, len(mutants)))
    if args.list:
        return 0
    print("\narea            killed / mutants   score")
    for area, killed, total in scores:
        print(f"{area:15} {killed:6} / {total:<7}   {killed / total:6.1%}" if total else f"{area:15} no mutants")
    if survivors:
        print("\nsurvivors:")
        for m in survivors:
            print("  " + m.describe())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
