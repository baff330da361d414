"""Talking to ERPs. Connectors yield chunks of raw source rows; they know nothing of the ledger.

Every connector translates its driver's exceptions into `common.errors` at its own edge and
converts values exactly (numeric(19,5) floats become Decimal through their repr) before anything
else sees them.
"""
