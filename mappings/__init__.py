"""Declarative source → ledger mappings (one TOML file per source kind) and the engine applying them."""
