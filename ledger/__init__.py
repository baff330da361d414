"""The common ledger model (frozen records, Decimal money) and its DuckDB store."""
