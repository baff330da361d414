#!/usr/bin/env bash
# Set up profitlens with its test tools in .venv and run the tests, ruff and mypy.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-system.sh test
python3 -m venv .venv
.venv/bin/pip install -q -c constraints.txt -e '.[test]'
# -n auto: one pytest worker per core (the suite is half waiting on subprocesses, PDFs and Chromium).
.venv/bin/python -m pytest -n auto "$@"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy
.venv/bin/python scripts/audit.py
