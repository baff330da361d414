"""profitlens: what each customer is really worth, after the cost to win, serve and wait for it.

This package is the application (CLI, settings, jobs). It is kept import-light on purpose:
`profitlens.errors` is the one module every other layer may import.
"""

__version__ = "0.1.0"
