"""`python -m profitlens.cli`: the same as the `profitlens` command."""

import sys

from profitlens.cli import main

sys.exit(main())
