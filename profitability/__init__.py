"""The profitability engine: set-based computations inside the ledger store, one module per concern."""
