#!/usr/bin/env bash
# Set up profitlens in .venv and run the demo on the embedded sample company:
# generate → sync → analyse → HTML and PDF report in ./profitlens-demo
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-system.sh demo
python3 -m venv .venv
.venv/bin/pip install -q -c constraints.txt -e .
.venv/bin/profitlens demo --out profitlens-demo "$@"
