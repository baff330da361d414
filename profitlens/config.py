"""The configuration file (TOML), validated once at start.

    [company]
    name = "Nordlicht Handel GmbH"
    currency = "EUR"                 # the functional currency

    [source]
    kind = "gp-sql"                  # or "gp-ws" (GP Web Services), "bc" (Business Central) or "files"
    connection = "DRIVER={ODBC Driver 18 for SQL Server};SERVER=gp01;DATABASE=TWO;Trusted_Connection=yes"
    # path = "sample-gp.sqlite"      # gp-sql from a GP-shaped SQLite file (the embedded sample)
    # history_from = 2020-01-01      # read GP history tables from this date on

    [source.mapping.customer]        # point ledger fields at other source columns
    referred_by = "USERDEF1"

    [store]
    path = "profitlens.duckdb"       # relative paths are relative to this file

    [analysis]
    ageing_buckets = [0, 30, 60, 90, 120]
    [analysis.department_rates]      # cost per hour where a time entry has no cost of its own
    SUPPORT = 48.00

Values written "${NAME}" are read from the environment variable NAME, so no password need be in the
file. Errors name the key, the file and (where it can be found) the line, and say what to do.
"""

from __future__ import annotations

import difflib
import logging
import os
import re
import sys
import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from common.errors import ConfigError
from common.masking import register_secrets
from profitlens.settings import Settings, SourceSettings

log = logging.getLogger(__name__)

_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class Config:
    """Validated settings plus where they came from (to resolve relative paths)."""

    def __init__(self, settings: Settings, file: Path) -> None:
        self.settings = settings
        self.file = file
        self.base = file.parent

    def resolve(self, value: str) -> Path:
        path = Path(os.path.expanduser(value))
        return path if path.is_absolute() else (self.base / path)

    @property
    def store_path(self) -> Path:
        return self.resolve(self.settings.store.path)

    @property
    def sources(self) -> list[SourceSettings]:
        """Every configured source: `[source]` alone, or each of `[[sources]]`."""
        return [self.settings.source] if self.settings.source is not None else list(self.settings.sources)


def _expand_env(value: Any, key: str, file: str) -> Any:
    if isinstance(value, dict) and set(value) == {"keyring"} and isinstance(value["keyring"], str):
        from profitlens.credentials import read_secret  # noqa: PLC0415

        secret = read_secret(value["keyring"], key, file)
        register_secrets([secret])
        return secret
    if isinstance(value, dict):
        return {k: _expand_env(v, f"{key}.{k}" if key else k, file) for k, v in value.items()}
    if isinstance(value, list):
        return [_expand_env(v, key, file) for v in value]
    if isinstance(value, str):

        def sub(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in os.environ:
                raise ConfigError(
                    f"the environment variable {name} is not set",
                    key=key,
                    file=file,
                    hint=f"set {name} before running, or write the value without ${{...}}",
                )
            register_secrets([os.environ[name]])  # whatever comes from the environment is treated as secret
            return os.environ[name]

        return _ENV_REF.sub(sub, value)
    return value


def _unset_variables(value: Any, key: str) -> list[tuple[str, str]]:
    """Every (variable, key) of a `${NAME}` whose variable is not set, in file order: all are named at
    once (`check` and every command), not one per attempt."""
    if isinstance(value, dict):
        return [u for name, v in value.items() for u in _unset_variables(v, f"{key}.{name}" if key else name)]
    if isinstance(value, list):
        return [u for v in value for u in _unset_variables(v, key)]
    if isinstance(value, str):
        return [(name, key) for name in _ENV_REF.findall(value) if name not in os.environ]
    return []


_SECRET_KEYS = frozenset({"password", "client_secret"})
_CLEAR_PWD = re.compile(r"(?i)\b(PWD|PASSWORD)\s*=\s*(?!\$\{)[^;\s]")


def _secrets_in_clear(value: Any, key: str) -> list[str]:
    """Keys whose value is a secret written into the file itself (not "${NAME}", not the keyring)."""
    if isinstance(value, dict):
        return [k for name, v in value.items() for k in _secrets_in_clear(v, f"{key}.{name}" if key else name)]
    if isinstance(value, list):
        return [k for i, v in enumerate(value) for k in _secrets_in_clear(v, f"{key}.{i}")]
    if not isinstance(value, str) or not value or _ENV_REF.fullmatch(value.strip()):
        return []
    leaf = key.rsplit(".", maxsplit=1)[-1]
    if leaf in _SECRET_KEYS or (leaf == "connection" and _CLEAR_PWD.search(value)):
        return [key]
    return []


def _line_of(text: str, key: str) -> int | None:
    """The line of `key` (dotted, e.g. store.path): the leaf under its own table header when there is
    one (`path` is a key of [source] and of [store]), else its first appearance."""
    *tables, leaf = [p for p in key.split(".") if not p.isdigit()]
    wanted = ".".join(tables)
    section = ""
    first = None
    for number, line in enumerate(text.splitlines(), start=1):
        header = re.match(r"\s*\[\[?\s*([^\]]+?)\s*\]\]?", line)
        if header:
            section = header.group(1)
            if section == ".".join([*tables, leaf]):  # the key is a table itself: `[stor]`
                return number
            continue
        if re.match(rf"\s*{re.escape(leaf)}\s*=", line):
            if section == wanted:
                return number
            first = first or number
        elif re.search(rf"[{{,]\s*{re.escape(leaf)}\s*=", line):  # inside an inline table: { pool = …, minuts = 12 }
            first = first or number
    return first


def _known_fields(model: type[BaseModel], path: tuple[Any, ...]) -> list[str]:
    current: Any = model
    for part in path[:-1]:
        field = current.model_fields.get(part) if isinstance(current, type) and issubclass(current, BaseModel) else None
        if field is None or not (isinstance(field.annotation, type) and issubclass(field.annotation, BaseModel)):
            return []
        current = field.annotation
    return list(current.model_fields) if isinstance(current, type) and issubclass(current, BaseModel) else []


def default_config_path() -> Path:
    """The platform's place for the configuration file."""
    if os.name == "nt":
        base = Path(os.environ.get("APPDATA", Path.home() / "AppData" / "Roaming"))
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return base / "profitlens" / "profitlens.toml"


def find_config(given: Path | str | None) -> Path:
    """--config, else PROFITLENS_CONFIG (click fills `given` from it), else the platform's config directory."""
    if given:
        return Path(given)
    path = default_config_path()
    if path.is_file():
        return path
    raise ConfigError(
        "no configuration file",
        key="--config",
        hint=f"give --config FILE, set PROFITLENS_CONFIG, or create {path} (see config/ for annotated examples)",
    )


def load_config(path: Path | str) -> Config:
    """Read and validate a configuration file.

    Raises:
        ConfigError: the file is missing, is not TOML, or a setting is wrong (names key, file, line).
    """
    file = Path(path)
    if not file.is_file():
        raise ConfigError(
            f"the configuration file {file} does not exist",
            hint="give --config FILE, or run `profitlens demo` to see a working example",
        )
    data = file.read_bytes()
    try:
        text = data.decode("utf-8-sig")  # TOML is UTF-8; Notepad may put a BOM in front
    except UnicodeDecodeError as exc:
        at_line = data.count(b"\n", 0, exc.start) + 1
        raise ConfigError(
            f"{file}:{at_line} is not UTF-8 (byte 0x{data[exc.start]:02x}); TOML files are UTF-8",
            hint="save it as UTF-8 (Notepad: File > Save as > Encoding: UTF-8)",
        ) from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{file} is not valid TOML: {exc}") from exc
    for key in _secrets_in_clear(raw, ""):
        # Accepted (a test box may want it), but never silently: the file is often shared or backed up.
        log.warning(
            '`%s` in %s:%s holds a secret in clear; write "${NAME}" and set the variable, or use the keyring',
            key,
            file,
            _line_of(text, key) or "?",
        )
    unset = _unset_variables(raw, "")
    if len(unset) > 1:
        listed = ", ".join(f"{name} (`{key}`, line {_line_of(text, key) or '?'})" for name, key in unset)
        raise ConfigError(
            f"{len(unset)} environment variables are not set: {listed}",
            file=str(file),
            hint="set them before running, or write the values without ${...}",
        )
    raw = _expand_env(raw, "", str(file))
    try:
        settings = Settings.model_validate(raw)
    except ValidationError as exc:
        errors = exc.errors()
        # An unknown key first: a typo (`minuts = 12`) also makes the key it meant "missing", and the typo
        # is what the user must see.
        error = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
        loc = tuple(error["loc"])
        key = ".".join(str(p) for p in loc)
        line = _line_of(text, key)
        where = f"{file}:{line}" if line else str(file)
        if error["type"] == "extra_forbidden":
            known = _known_fields(Settings, loc)
            close = difflib.get_close_matches(str(loc[-1]), known, n=1)
            hint = f"did you mean `{close[0]}`?" if close else (f"known keys: {', '.join(known)}" if known else None)
            raise ConfigError("unknown setting", key=key, file=where, hint=hint) from None
        if error["type"] == "missing":
            raise ConfigError("is required", key=key, file=where) from None
        raise ConfigError(error["msg"], key=key, file=where) from None
    if settings.source is None and not settings.sources:
        raise ConfigError(
            "is required", key="source", file=str(file), hint="give one [source], or one [[sources]] table per company"
        )
    if settings.source is not None and settings.sources:
        raise ConfigError("give one [source] or several [[sources]], not both", key="sources", file=str(file))
    several = settings.source is None
    names = [s.company for s in settings.sources]
    if several and (any(not n for n in names) or len(set(names)) != len(names)):
        raise ConfigError(
            "each of several sources needs its own `company` name",
            key="sources.company",
            file=str(file),
            hint='e.g. company = "TWO"',
        )
    for i, source in enumerate([settings.source] if settings.source is not None else settings.sources):
        where = "source" if not several else f"sources[{i}]"
        if source.kind == "files" and not source.path:
            raise ConfigError(
                "a files source needs `path`, the folder holding customers.csv and documents.csv",
                key=f"{where}.path",
                file=str(file),
            )
        required = {
            "bc": ("tenant_id", "company_id", "client_id", "client_secret"),
            "gp-ws": ("url", "company_key") + (("username", "password") if source.auth == "ntlm" else ()),
        }
        for name in required.get(source.kind, ()):
            if getattr(source, name) in (None, ""):
                raise ConfigError(
                    f"a {source.kind} source needs `{name}`",
                    key=f"{where}.{name}",
                    file=str(file),
                    hint=_SOURCE_HINTS[f"{source.kind}.{name}"],
                )
        if source.kind == "gp-sql" and not (source.connection or source.path):
            raise ConfigError(
                "a gp-sql source needs `connection` (an ODBC connection string) or `path` (a SQLite file)",
                key=f"{where}.connection",
                file=str(file),
            )
    analysis = settings.analysis
    if isinstance(analysis.loss_rates, list) and len(analysis.loss_rates) != len(analysis.ageing_buckets) + 2:
        raise ConfigError(
            f"{len(analysis.loss_rates)} rates given, {len(analysis.ageing_buckets) + 2} needed: one for current "
            f"items, one per ageing bucket and one beyond the last bound {analysis.ageing_buckets[-1]}",
            key="analysis.loss_rates",
            file=f"{file}:{_line_of(text, 'analysis.loss_rates') or '?'}",
            hint='or loss_rates = "history" to estimate them from write-offs',
        )
    pools = {p.name for p in settings.costing.pool}
    for name, driver in settings.costing.drivers.items():
        if driver.pool not in pools:
            raise ConfigError(
                f"names the pool {driver.pool!r}, which no [[costing.pool]] defines",
                key=f"costing.drivers.{name}.pool",
                file=str(file),
                hint=f"pools: {', '.join(sorted(pools)) or 'none; add a [[costing.pool]] with name, cost and practical_minutes'}",
            )
    mail = settings.mail
    if mail is not None and mail.transport == "smtp" and not mail.host:
        raise ConfigError("SMTP needs `host`", key="mail.host", file=str(file), hint='or transport = "graph"')
    if (
        mail is not None
        and mail.transport == "graph"
        and not (mail.tenant_id and mail.client_id and mail.client_secret)
    ):
        raise ConfigError(
            "Microsoft Graph needs tenant_id, client_id and client_secret",
            key="mail.transport",
            file=str(file),
            hint="from the app registration with the Mail.Send application permission",
        )
    names = [j.name for j in settings.job]
    if len(set(names)) != len(names):
        raise ConfigError("two jobs have the same name", key="job.name", file=str(file))
    if any(j.recipients for j in settings.job) and settings.mail is None:
        raise ConfigError(
            "jobs have recipients but there is no [mail] section",
            key="mail",
            file=str(file),
            hint="add [mail] with host, port, security and sender",
        )
    return Config(settings, file)


_SOURCE_HINTS = {
    "gp-ws.url": "the SOAP endpoint, e.g. http://gpserver:48620/DynamicsGPWebServices/DynamicsGPService.asmx",
    "gp-ws.company_key": "GP's company id (Dynamics..SY01500.CMPANYID; the sample company TWO is -1)",
    "gp-ws.username": 'a Windows account with a GP Web Services role, e.g. username = "CONTOSO\\\\svc-profitlens"; '
    'or auth = "windows" on Windows to use the signed-in account',
    "gp-ws.password": 'write password = "${GPWS_PASSWORD}" and set that variable, or use the keyring; '
    'or auth = "windows" on Windows (no password stored)',
    "bc.tenant_id": "the Microsoft Entra tenant, e.g. contoso.onmicrosoft.com or its GUID",
    "bc.company_id": "the company's id (a GUID): GET .../api/v2.0/companies lists them",
    "bc.client_id": "the app registration's application (client) ID",
    "bc.client_secret": 'write client_secret = "${BC_CLIENT_SECRET}" and set that variable, or use the keyring',
}
