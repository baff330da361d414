"""profitlens: what each customer is really worth, after the cost to win, serve and wait for it.

This package is the application, the top floor (CLI, settings, jobs): it wires the stages together and
nothing below imports it. What every stage shares (the error tree, masking, the cycle collector's pause)
is on the ground floor, in `common`.
"""

__version__ = "0.1.0"
