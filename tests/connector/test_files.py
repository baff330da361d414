"""The ledger-as-files connector when the export misbehaves under it (issue 20)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from common.errors import ConnectorError
from connector.files import FilesConnector
from ledger.store import Store
from mappings.engine import load_mapping
from profitlens.sync import run_sync
from tests.cases import alpha
from tests.profitlens.test_incremental import ledger


class VanishingFile(FilesConnector):
    """documents.csv is renamed away after its fingerprint was taken, before it is read."""

    def read(self, stream: str, columns: Sequence[str], since: str | None = None) -> Iterator[Any]:
        if stream == "documents":
            (self.folder / "documents.csv").rename(self.folder / "documents.csv.moving")
        yield from super().read(stream, columns, since)


def test_a_file_that_vanishes_during_the_sync_stops_it_and_the_ledger_stays(tmp_path: Path) -> None:
    # Issue 20 (2): it was read as empty: exit 0, "10 removed", and "unchanged" when it came back.
    data = tmp_path / "data"
    alpha.write_files(data)
    (data / "documents.csv").write_text(
        (data / "documents.csv").read_text(encoding="utf-8")
        + "INV9,C2,invoice,2026-03-25,11.90,,11.90,10,6,,1.90,,0\n",
        encoding="utf-8",
    )  # changed since the last sync, so it is read again
    with Store(tmp_path / "ledger.duckdb") as store:
        alpha_files = tmp_path / "first"
        alpha.write_files(alpha_files)
        run_sync(FilesConnector(alpha_files), load_mapping("files"), store)
        before = ledger(store)
        with pytest.raises(ConnectorError, match=r"documents\.csv was in .* when the sync began and is gone now"):
            run_sync(VanishingFile(data), load_mapping("files"), store)
        assert ledger(store) == before
        (data / "documents.csv.moving").rename(data / "documents.csv")  # the export finishes
        result = run_sync(FilesConnector(data), load_mapping("files"), store)
        assert result.changed["document"] == 1  # INV9, not "unchanged"
        assert result.removed["document"] == 0
