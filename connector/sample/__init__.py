"""The embedded sample company: a GP-shaped SQLite database, generated deterministically."""
