"""The settings a configuration file holds, as validated models: one per section (`[company]`, `[source]`
or `[[sources]]`, `[store]`, `[analysis]`, `[costing]`, `[mail]`, `[[job]]`). Unknown keys are refused;
every model is frozen. Finding, reading and checking the file is `profitlens.config`'s."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, StrictInt, field_validator


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CompanySettings(_Section):
    name: str = "My company"
    currency: str = Field(default="EUR", min_length=3, max_length=3)
    locale: str = "en"


class SourceSettings(_Section):
    kind: Literal["gp-sql", "gp-ws", "bc", "files"]
    company: str = ""  # the company's name in the ledger (several sources: required and unique)
    currency: str | None = Field(default=None, min_length=3, max_length=3)  # its functional currency
    exchange_rate: Decimal = Field(default=Decimal(1), gt=0)  # 1 unit of `currency` in the reporting currency
    connection: str | None = None
    path: str | None = None
    history_from: dt.date | None = None
    mapping: dict[str, dict[str, Any]] = Field(default_factory=dict)
    chunk_rows: int | None = Field(default=None, ge=100, le=1_000_000)  # None: the connector's own
    # files: the decimal mark of CSV files that are not comma-separated; None: each file's numbers tell.
    decimal: Literal[",", "."] | None = None
    # HTTP sources (bc)
    ca_bundle: str | None = None  # a private CA's certificate file; TLS is always verified
    timeout_seconds: int = Field(default=120, ge=5, le=3600)
    company_id: str | None = None  # bc: the company's id (a GUID)
    # bc: Business Central API v2.0 with an app registration (client credentials)
    tenant_id: str | None = None
    environment: str = "production"
    client_id: str | None = None
    client_secret: SecretStr | None = None  # write "${BC_CLIENT_SECRET}" or { keyring = "profitlens/bc" }
    page_size: int = Field(default=1000, ge=1, le=20000)
    requests_per_minute: int = Field(default=300, ge=1, le=6000)
    job_customers: dict[str, str] = Field(default_factory=dict)  # bc: job number → customer number
    department_dimension: str = "DEPARTMENT"  # bc: the employees' default dimension that names their department
    # bc: where the API and the sign-in live (other clouds, a proxy); https only: tokens and data travel there
    base_url: str = "https://api.businesscentral.dynamics.com/v2.0"
    login_url: str = "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token"
    # gp-ws: GP Web Services (SOAP 1.1 endpoint) with Windows authentication
    url: str | None = None  # e.g. http://gpserver:48620/DynamicsGPWebServices/DynamicsGPService.asmx
    wsdl: str | None = None  # default: http://<host>:<port>/Metadata/Legacy/Full/DynamicsGP.wsdl
    company_key: int | None = None  # GP's company id (CompanyKey.Id); the sample company TWO is -1
    auth: Literal["ntlm", "windows"] = "ntlm"  # windows: the signed-in Windows account, no password
    username: str | None = None  # ntlm: DOMAIN\\user
    password: SecretStr | None = None  # ntlm: write "${GPWS_PASSWORD}" or { keyring = "profitlens/gp-ws" }
    window_days: int = Field(default=31, ge=1, le=366)  # date window of one list request
    max_response_bytes: int = Field(default=20 * 1024 * 1024, ge=64 * 1024)  # a larger answer: smaller windows
    # gp-ws: the most items the service puts in one list answer (its server setting; 1,000 by default). An
    # answer of this many is taken as cut and asked again in narrower criteria.
    list_limit: int = Field(default=1000, ge=2)

    @field_validator("base_url", "login_url")
    @classmethod
    def _https(cls, value: str) -> str:
        if not value.startswith("https://"):
            raise ValueError("must start with https:// (a token and the company's data travel there)")
        return value


class StoreSettings(_Section):
    path: str = "profitlens.duckdb"
    # A sync that would remove more than this share of a table's rows (of a company, from a source) at
    # once stops: a file exported half, or with a broken header, looks like mass deletion.
    max_removed_share: Decimal = Field(default=Decimal("0.2"), ge=0, le=1)


class AnalysisSettings(_Section):
    # Strict: "90" in quotes is a typing slip in a hand-written list, not a number to guess at.
    ageing_buckets: list[StrictInt] = Field(default_factory=lambda: [30, 60, 90, 120])
    department_rates: dict[str, Decimal] = Field(default_factory=dict)
    cost_of_capital: Decimal = Field(default=Decimal("0.08"), ge=0, le=1)
    loss_rates: list[Decimal] | Literal["history"] = "history"
    referral_share: Decimal = Field(default=Decimal("0.10"), ge=0, le=1)
    discount_rate: Decimal | None = Field(default=None, ge=0, le=1)
    history_years: int = Field(default=3, ge=1, le=20)
    protect_min_net_margin: Decimal = Field(default=Decimal("0.05"), ge=-1, le=1)

    @field_validator("ageing_buckets")
    @classmethod
    def _rising(cls, value: list[int]) -> list[int]:
        bounds = value[1:] if value[:1] == [0] else value  # a leading 0 (current) is allowed
        if not bounds or bounds[0] <= 0 or bounds != sorted(set(bounds)):
            raise ValueError("must be rising day counts above 0, e.g. [30, 60, 90, 120]")
        return bounds

    @field_validator("loss_rates")
    @classmethod
    def _rates(cls, value: list[Decimal] | str) -> list[Decimal] | str:
        if isinstance(value, list) and any(not (0 <= r <= 1) for r in value):
            raise ValueError("rates are fractions between 0 and 1 (0.016 is 1.6 %)")
        return value


class PoolSettings(_Section):
    name: str = Field(min_length=1)
    cost: Decimal = Field(ge=0)
    practical_minutes: Decimal = Field(gt=0)


class DriverSettings(_Section):
    pool: str
    minutes: Decimal = Field(ge=0)


class CostingSettings(_Section):
    pool: list[PoolSettings] = Field(default_factory=list)
    department_rates: dict[str, Decimal] = Field(default_factory=dict)  # same as [analysis.department_rates]
    drivers: dict[str, DriverSettings] = Field(default_factory=dict)
    reminder_interval_days: int = Field(default=30, ge=1, le=365)


class MailSettings(_Section):
    """Where reports are sent from: SMTP (STARTTLS, SSL or, on a trusted relay, none)."""

    transport: Literal["smtp", "graph"] = "smtp"
    host: str = ""  # smtp
    port: int = Field(default=587, ge=1, le=65535)
    security: Literal["starttls", "ssl", "none"] = "starttls"
    username: str | None = None
    password: SecretStr | None = None  # write "${SMTP_PASSWORD}": never in the file in clear
    sender: str
    max_attachment_mb: Decimal = Field(default=Decimal(10), gt=0)
    timeout_seconds: int = Field(default=30, ge=1, le=600)
    tenant_id: str | None = None  # graph: the Microsoft Entra tenant
    client_id: str | None = None  # graph: the app registration
    client_secret: SecretStr | None = None  # graph: "${GRAPH_CLIENT_SECRET}" or { keyring = "…" }

    @field_validator("sender")
    @classmethod
    def _address(cls, value: str) -> str:
        return valid_address(value)


ReportFormat = Literal["pdf", "html", "xlsx", "csv"]


def _pdf_only() -> list[ReportFormat]:
    return ["pdf"]


class JobSettings(_Section):
    """A named report job: what to analyse, which reports in which languages, and who receives them."""

    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")
    period: str = "previous month"
    reports: list[ReportFormat] = Field(default_factory=_pdf_only)
    languages: list[str] = Field(default_factory=list)  # default: [company] locale
    recipients: list[str] = Field(default_factory=list)
    cron: str | None = None  # when `profitlens schedule` runs it, e.g. "0 6 1 * *" (06:00 on the 1st)
    subject: str | None = None

    @field_validator("period")
    @classmethod
    def _rule(cls, value: str) -> str:
        from profitlens.periods import RULES  # noqa: PLC0415

        if value not in RULES:
            raise ValueError(f"use one of: {', '.join(RULES)}")
        return value

    @field_validator("recipients")
    @classmethod
    def _recipients(cls, value: list[str]) -> list[str]:
        return [valid_address(v) for v in value]

    @field_validator("cron")
    @classmethod
    def _cron(cls, value: str | None) -> str | None:
        from croniter import croniter  # noqa: PLC0415

        if value is not None and not croniter.is_valid(value):
            raise ValueError('not a cron expression: five fields, minute hour day month weekday, e.g. "0 6 1 * *"')
        return value


_ADDRESS = re.compile(r"^[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\"]+$")


def valid_address(value: str) -> str:
    text = value.strip()
    if not _ADDRESS.match(text):
        raise ValueError(f"{value!r} is not an e-mail address")
    return text


class Settings(_Section):
    company: CompanySettings = Field(default_factory=CompanySettings)
    source: SourceSettings | None = None
    sources: list[SourceSettings] = Field(default_factory=list)  # several companies, analysed together
    store: StoreSettings = Field(default_factory=StoreSettings)
    analysis: AnalysisSettings = Field(default_factory=AnalysisSettings)
    costing: CostingSettings = Field(default_factory=CostingSettings)
    mail: MailSettings | None = None
    job: list[JobSettings] = Field(default_factory=list)
