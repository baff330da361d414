"""Secrets kept out of every text that leaves the process: messages, logs, the run history.

The configuration registers each secret it resolves (from the environment or the keyring); `mask` replaces
them, and any `PWD=`/`PASSWORD=` part of an ODBC connection string, with `***`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_SECRETS: set[str] = set()
_SECRET_PARTS = re.compile(r"(?i)\b(PWD|PASSWORD)\s*=\s*(\{[^}]*\}|[^;]*)")


def register_secrets(values: Iterable[str]) -> None:
    """Values that must never reach a log (passwords and client secrets the configuration resolved)."""
    _SECRETS.update(v for v in values if v and len(v) >= 4)


def redact(text: str) -> str:
    """Hide passwords in ODBC connection strings before they reach a log or a message."""
    return _SECRET_PARTS.sub(lambda m: f"{m.group(1)}=***", text)


def mask(text: str) -> str:
    """Every registered secret (the longest first) and every connection-string password as `***`."""
    for secret in sorted(_SECRETS, key=len, reverse=True):
        text = text.replace(secret, "***")
    return redact(text)
