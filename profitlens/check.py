"""`profitlens check`: try every configured connection and say, per item, OK or what to do about it."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from common.errors import ProfitlensError
from common.masking import mask
from connector.bc import BusinessCentralConnector
from connector.files import FilesConnector
from connector.gp_sql import GpSqlConnector
from connector.gp_ws import GpWebServicesConnector
from ledger.store import Store
from mappings.engine import check_columns, load_mapping
from profitlens import app
from profitlens.config import Config
from profitlens.jobs import mail_server
from reports.delivery import probe


@dataclass(frozen=True)
class Finding:
    item: str
    ok: bool
    detail: str


def run_checks(config: Config) -> list[Finding]:
    findings: list[Finding] = [Finding(f"configuration {config.file}", True, "valid")]
    for source in config.sources:
        name = f"source {source.company or source.kind}"
        try:
            connector = app.make_connector(config, source)
        except ProfitlensError as exc:
            findings.append(Finding(name, False, mask(str(exc))))
            continue
        try:
            mapping = load_mapping(source.kind, source.mapping)
            streams = [s for s in mapping.streams if s in connector.stream_names()]
            check_columns(mapping, {s: connector.available_columns(s) for s in streams})
            if isinstance(connector, GpSqlConnector):
                connector.connection()
                findings.append(Finding(name, True, f"connected to {connector.describe}"))
                for stream in streams:
                    try:
                        connector.probe(stream, mapping.streams[stream].columns())
                        findings.append(Finding(f"{name} · {stream}", True, "readable"))
                    except ProfitlensError as exc:
                        findings.append(Finding(f"{name} · {stream}", False, mask(str(exc))))
            elif isinstance(connector, BusinessCentralConnector):
                # Signs in and reads one customer: proves the app registration, its permission
                # set in BC, the environment and the company.
                connector.probe()
                findings.append(Finding(name, True, f"signed in to {connector.describe}; customers readable"))
            elif isinstance(connector, GpWebServicesConnector):
                # Loads the WSDL, signs in with Windows authentication and lists the companies:
                # proves the endpoint, the account and its GP Web Services role.
                connector.probe()
                findings.append(Finding(name, True, f"signed in to {connector.describe}; companies readable"))
            elif isinstance(connector, FilesConnector):
                present = [
                    s for s in streams if any((connector.folder / f"{s}{x}").exists() for x in (".csv", ".xlsx"))
                ]
                findings.append(Finding(name, True, f"{connector.folder}: {', '.join(present)}"))
        except ProfitlensError as exc:
            findings.append(Finding(name, False, mask(str(exc))))
        finally:
            connector.close()
    findings.append(_store_finding(config.store_path))
    server = mail_server(config)
    if server is not None:
        try:
            probe(server)
            findings.append(
                Finding(
                    f"mail {server.host}:{server.port}",
                    True,
                    f"{server.security}" + (f", logged in as {server.username}" if server.username else ""),
                )
            )
        except ProfitlensError as exc:
            findings.append(Finding(f"mail {server.host}:{server.port}", False, mask(str(exc))))
    return findings


def _store_finding(path: Path) -> Finding:
    """The store opens for writing; one not made yet is not made by a check (the first sync makes it): its
    folder must exist or be creatable, and be writable."""
    name = f"store {path}"
    if path.exists():
        try:
            with Store(path):
                pass
        except ProfitlensError as exc:
            return Finding(name, False, mask(str(exc)))
        return Finding(name, True, "writable")
    folder = next((p for p in (path.parent, *path.parent.parents) if p.exists()), None)
    if folder is None or not os.access(folder, os.W_OK):
        return Finding(name, False, f"cannot be created: {folder or path.parent} is not writable (set store.path)")
    return Finding(name, True, "not created yet; the first sync creates it (its folder is writable)")
