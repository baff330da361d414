"""The one exception tree of profitlens.

Errors a user can act on carry a message that names the thing (a key, a file, a table) and the fix.
Problems with single source rows are *not* exceptions: they are quarantined as data (see
`ledger.model.Issue`). Exceptions are kept for whole-run failures::

    ProfitlensError
    ├── ConfigError              a setting is missing or wrong (names the key and file)
    ├── ConnectorError           talking to a source failed
    │   ├── SourceUnavailable    (transient) network, timeout, deadlock victim: a retry may help
    │   ├── AuthError            (terminal) login refused
    │   └── QueryError           (terminal) a table or column is missing, SQL refused
    ├── MappingError             a mapping file is wrong (not a bad row: those are quarantined)
    ├── StoreError               the ledger store could not be read or written
    ├── EngineError              a profitability computation could not run
    ├── RenderError              a report could not be written
    ├── DeliveryError            a report could not be sent (transient: kept in the outbox)
    ├── DeliveryRefused          the mail server refused the login or the settings (terminal)
    │   └── MessageRefused       … or this message for good (kept aside in outbox/failed)
    └── AlreadyRunning           the same job is running already

`Transient` and `Terminal` are marker mixins: the retry policy asks `isinstance(exc, Transient)`.
"""

from __future__ import annotations


class Transient:
    """Marker: the same call may succeed if tried again later."""


class Terminal:
    """Marker: trying again will not help until someone changes something."""


class ProfitlensError(Exception):
    """Root of every error profitlens raises on purpose."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message

    def __reduce__(self) -> tuple[object, ...]:
        # Keep errors picklable with their keyword arguments (schedulers may use processes).
        return (_rebuild, (type(self), self.message, self.hint, self.__dict__))


def _rebuild(cls: type[ProfitlensError], message: str, hint: str | None, state: dict[str, object]) -> object:
    err = cls.__new__(cls)
    ProfitlensError.__init__(err, message, hint=hint)
    err.__dict__.update(state)
    return err


class ConfigError(ProfitlensError, Terminal):
    """A setting is missing or wrong."""

    def __init__(
        self, message: str, *, key: str | None = None, file: str | None = None, hint: str | None = None
    ) -> None:
        where = ""
        if key:
            where += f"`{key}`"
        if file:
            where += f" in {file}" if where else f"{file}"
        super().__init__(f"{where}: {message}" if where else message, hint=hint)
        self.key = key
        self.file = file


class ConnectorError(ProfitlensError):
    """Reading a source failed."""

    def __init__(
        self, message: str, *, source: str | None = None, stream: str | None = None, hint: str | None = None
    ) -> None:
        super().__init__(message, hint=hint)
        self.source = source
        self.stream = stream


class SourceUnavailable(ConnectorError, Transient):
    """The source cannot answer now (network, timeout, throttling, deadlock); trying later may work.

    `retry_after`: seconds the source asked us to wait (HTTP Retry-After), when it said.
    """

    retry_after: float | None = None


class AuthError(ConnectorError, Terminal):
    """The source refused the credentials."""


class QueryError(ConnectorError, Terminal):
    """The source refused a query: a table, column or permission is missing."""


class MappingError(ProfitlensError, Terminal):
    """A mapping file (not a data row) is wrong."""


class StoreError(ProfitlensError, Terminal):
    """The ledger store could not be opened, read or written."""


class EngineError(ProfitlensError, Terminal):
    """A profitability computation could not run."""


class RenderError(ProfitlensError, Terminal):
    """A report could not be rendered or written."""


class DeliveryError(ProfitlensError, Transient):
    """The mail server could not be reached or refused the message for now; it waits in the outbox."""


class DeliveryRefused(ProfitlensError, Terminal):
    """The mail server refused the login or the sender: someone must fix the settings."""


class MessageRefused(DeliveryRefused):
    """The mail server refused this message for good (its recipients, sender or content): sending it again
    cannot help. It leaves the outbox (kept aside in outbox/failed) instead of blocking every later run."""


class AlreadyRunning(ProfitlensError, Terminal):
    """Another run of the same job holds its lock."""
