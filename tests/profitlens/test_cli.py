"""The `profitlens` command as a user meets it: help, the demo, config mistakes, sync/analyze/report."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from profitlens.cli import cli, main
from tests.cases import alpha
from tests.conftest import pdf_text

COMMANDS = [
    "demo",
    "sync",
    "analyze",
    "report",
    "quarantine",
    "estimate",
    "run",
    "history",
    "schedule",
    "check",
    "credentials",
    "config",
]


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the installed console command the way a user does."""
    return subprocess.run(
        [sys.executable, "-m", "profitlens.cli", *args], capture_output=True, text=True, env=env, timeout=600
    )


def files_config(tmp_path: Path, extra: str = "") -> Path:
    alpha.write_files(tmp_path / "data")
    config = tmp_path / "profitlens.toml"
    config.write_text(
        f'[company]\nname = "Alpha Test AG"\n\n[source]\nkind = "files"\npath = "data"\n{extra}\n'
        '[store]\npath = "ledger.duckdb"\n' + alpha.CONFIG_SECTIONS,
        encoding="utf-8",
    )
    return config


def test_help_lists_every_command_and_each_has_help() -> None:
    result = run("--help")
    assert result.returncode == 0
    for command in COMMANDS:
        assert command in result.stdout
        sub = run(command, "--help")
        assert sub.returncode == 0, command
        assert cli.commands[command].help, command


def test_demo_writes_pdf_and_html_of_the_sample_company(tmp_path: Path) -> None:
    result = run("demo", "--out", str(tmp_path / "demo"), "--size", "tiny")
    assert result.returncode == 0, result.stderr
    paths = [Path(line) for line in result.stdout.splitlines() if line.endswith((".pdf", ".html"))]
    assert {p.suffix for p in paths} == {".pdf", ".html"}
    assert all(p.is_file() for p in paths)
    text = pdf_text(next(p for p in paths if p.suffix == ".pdf"))
    assert "Nordlicht Handel GmbH" in text
    assert "Most profitable customers" in text and "Least profitable customers" in text
    assert "Whale curve" in text and "Overdue risk" in text and "Watch list" in text
    assert "Reconciled" in text
    assert "Traceback" not in result.stderr
    # The demo leaves a working configuration behind.
    config = tmp_path / "demo" / "profitlens.toml"
    again = run(
        "analyze", "--config", str(config), "--from", "2026-01-01", "--to", "2026-06-30", "--out", str(tmp_path / "out")
    )
    assert again.returncode == 0, again.stderr


def test_sync_analyze_report_from_a_config(tmp_path: Path) -> None:
    config = files_config(tmp_path)
    assert main(["sync", "--config", str(config)]) == 0
    assert (
        main(
            [
                "analyze",
                "--config",
                str(config),
                "--from",
                "2026-01-01",
                "--to",
                "2026-03-31",
                "--out",
                str(tmp_path / "out"),
            ]
        )
        == 0
    )
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["totals"]["net_profit"] == "-103.19"  # −131.3083 (C1) + 28.1194 (C2)
    assert summary["reconciliation"]["ties"] is True
    assert summary["last_sync"]["rows_quarantined"] == 0
    assert summary["last_sync"]["rows_read"] == 20
    assert (tmp_path / "out" / "customers.csv").read_text().startswith("customer_id,name,net_sales")
    assert (
        main(
            [
                "report",
                "--config",
                str(config),
                "--from",
                "2026-01-01",
                "--to",
                "2026-03-31",
                "--format",
                "html",
                "--out",
                str(tmp_path / "rep"),
            ]
        )
        == 0
    )
    assert (tmp_path / "rep" / "report.html").is_file()
    assert not (tmp_path / "rep" / "report.pdf").exists()


def test_quarantined_rows_are_listed_with_row_and_reason(tmp_path: Path) -> None:
    config = files_config(tmp_path)
    with open(tmp_path / "data" / "documents.csv", "a", encoding="utf-8") as f:
        f.write("BAD,C1,invoice,31.01.2026,10,,,,,,,,0\n")
    result = run("sync", "--config", str(config))
    assert result.returncode == 0
    assert "1 quarantined" in result.stdout
    assert "documents.csv row 9 (BAD): document_date: '31.01.2026' is not a date (use YYYY-MM-DD)" in result.stderr


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            '[source]\nkind = "files"\npath = "data"\n[store]\npaht = "x.duckdb"\n',
            "`store.paht` in {file}:5: unknown setting (did you mean `path`?)",
        ),
        ('[source]\nkind = "sap"\n', "`source.kind` in {file}:2: Input should be 'gp-sql', 'gp-ws', 'bc' or 'files'"),
        ('[source]\nkind = "files"\n', "`source.path` in {file}: a files source needs `path`"),
        ('[store]\npath = "x"\n', "`source` in {file}: is required"),
        ('[source\nkind = "files"\n', "{file} is not valid TOML"),
        (
            '[source]\nkind = "gp-sql"\nconnection = "DSN=gp;PWD=${PROFITLENS_TEST_UNSET}"\n',
            "`source.connection` in {file}: the environment variable PROFITLENS_TEST_UNSET is not set",
        ),
        (
            '[source]\nkind = "files"\npath = "d"\n[analysis]\nageing_buckets = [30, 60, 90]\nloss_rates = [0.01, 0.02]\n',
            "`analysis.loss_rates` in {file}:6: 2 rates given, 5 needed: one for current items, one per ageing bucket",
        ),
        (
            '[source]\nkind = "files"\npath = "d"\n[costing.drivers]\ninvoice = { pool = "desk", minutes = 5 }\n',
            "`costing.drivers.invoice.pool` in {file}: names the pool 'desk', which no [[costing.pool]] defines",
        ),
        (
            '[source]\nkind = "files"\npath = "d"\n[analysis]\nageing_buckets = [60, 30]\n',
            "`analysis.ageing_buckets` in {file}:5: Value error, must be rising day counts above 0",
        ),
        (  # issue 20 (14): the line of [store]'s path, not of [source]'s
            '[source]\nkind = "files"\npath = "d"\n[store]\npath = 5\n',
            "`store.path` in {file}:5: Input should be a valid string",
        ),
        (
            '[source]\nkind = "files"\npath = "d"\n[store]\nmax_removed_share = 2\n',
            "`store.max_removed_share` in {file}:5: Input should be less than or equal to 1",
        ),
    ],
)
def test_a_config_mistake_is_one_line_naming_the_key(tmp_path: Path, content: str, message: str) -> None:
    config = tmp_path / "bad.toml"
    config.write_text(content, encoding="utf-8")
    result = run("sync", "--config", str(config))
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith("error: ")
    assert message.format(file=config) in result.stderr


def test_a_missing_config_file_is_named(tmp_path: Path) -> None:
    result = run(
        "analyze",
        "--config",
        str(tmp_path / "nope.toml"),
        "--from",
        "2026-01-01",
        "--to",
        "2026-01-31",
        "--out",
        str(tmp_path),
    )
    assert result.returncode == 1
    assert f"the configuration file {tmp_path / 'nope.toml'} does not exist" in result.stderr
    assert "Traceback" not in result.stderr


def test_analyze_before_any_sync_says_what_to_do(tmp_path: Path) -> None:
    config = files_config(tmp_path)
    result = run(
        "analyze", "--config", str(config), "--from", "2026-01-01", "--to", "2026-01-31", "--out", str(tmp_path / "o")
    )
    assert result.returncode == 1
    assert "no ledger store at" in result.stderr and "run `profitlens sync` first" in result.stderr


def test_passwords_in_connection_strings_are_never_printed(tmp_path: Path) -> None:
    config = tmp_path / "gp.toml"
    config.write_text(
        '[source]\nkind = "gp-sql"\nconnection = "DRIVER={No Such Driver};SERVER=gp01;UID=sa;PWD=s3cr3t-Pa55"\n',
        encoding="utf-8",
    )
    result = run("sync", "--config", str(config))
    assert result.returncode == 1
    assert "s3cr3t-Pa55" not in result.stderr + result.stdout
    assert "ODBC driver" in result.stderr


def test_demo_speaks_the_chosen_language(tmp_path: Path) -> None:
    result = run("demo", "--out", str(tmp_path / "demo"), "--size", "tiny", "--lang", "nb", "--format", "pdf")
    assert result.returncode == 0, result.stderr
    text = pdf_text(tmp_path / "demo" / "report.pdf")
    assert "Nøkkeltall" in text and "Hvalkurve" in text and "Mest lønnsomme kunder" in text
    assert not (tmp_path / "demo" / "report.html").exists()


def test_a_wrong_language_is_refused_before_any_work(tmp_path: Path) -> None:
    result = run("demo", "--out", str(tmp_path / "demo"), "--size", "tiny", "--lang", "klingon")
    assert result.returncode == 1
    assert (
        "there is no report language 'klingon'" in result.stderr
        and "choose one of en, de, es, nb, sv, fi" in result.stderr
    )
    assert not (tmp_path / "demo").exists()


def test_config_search_order_flag_then_environment_then_platform_directory(tmp_path: Path) -> None:
    import os

    home = tmp_path / "xdg"
    platform_config = home / "profitlens" / "profitlens.toml"
    env = {k: v for k, v in os.environ.items() if k != "PROFITLENS_CONFIG"} | {"XDG_CONFIG_HOME": str(home)}
    # Nothing anywhere: one line naming all three places.
    missing = run("sync", env=env)
    assert missing.returncode == 1
    assert "no configuration file" in missing.stderr and str(platform_config) in missing.stderr
    assert "PROFITLENS_CONFIG" in missing.stderr
    # The platform directory is found without any flag.
    platform_config.parent.mkdir(parents=True)
    platform_config.write_text('[source]\nkind = "files"\npath = "nowhere"\n')
    found = run("sync", env=env)
    assert "the source folder" in found.stderr and str(platform_config.parent / "nowhere") in found.stderr
    # PROFITLENS_CONFIG wins over the platform directory, --config over both.
    other = files_config(tmp_path)
    assert run("sync", env=env | {"PROFITLENS_CONFIG": str(other)}).returncode == 0
    flagged = run("sync", "--config", str(tmp_path / "absent.toml"), env=env | {"PROFITLENS_CONFIG": str(other)})
    assert "absent.toml does not exist" in flagged.stderr


def test_a_statement_for_a_customer_without_figures_is_refused(tmp_path: Path) -> None:
    config = files_config(tmp_path)
    assert main(["sync", "--config", str(config)]) == 0
    result = run(
        "report",
        "--config",
        str(config),
        "--from",
        "2026-01-01",
        "--to",
        "2026-03-31",
        "--format",
        "csv",
        "--statement",
        "NOPE",
        "--out",
        str(tmp_path / "out"),
    )
    assert result.returncode == 1
    assert "customer 'NOPE' has no figures in this period" in result.stderr and "Traceback" not in result.stderr


def test_a_sync_that_would_remove_much_stops_until_the_removals_are_accepted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Issue 20 (3): a customer and its one invoice gone from the export: half the customers at once.
    config = files_config(tmp_path)
    assert main(["sync", "--config", str(config)]) == 0
    data = tmp_path / "data"
    for name, gone in (("customers.csv", "C2,"), ("documents.csv", "INV5,")):
        rows = (data / name).read_text(encoding="utf-8").splitlines()
        (data / name).write_text("\n".join(r for r in rows if not r.startswith(gone)) + "\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["sync", "--config", str(config)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("error: the source no longer has 1 of the 2 customer rows in the ledger (customers.csv)")
    assert "run `profitlens sync --accept-removals`" in err[-1]
    assert main(["sync", "--config", str(config), "--accept-removals"]) == 0
    assert "2 removed" in capsys.readouterr().out  # C2 and INV5


def test_a_period_outside_the_calendar_is_one_line(tmp_path: Path) -> None:
    # Issue 20 (14): --to 9999-12-31 was an OverflowError traceback (the previous period's dates).
    config = files_config(tmp_path)
    assert main(["sync", "--config", str(config)]) == 0
    result = run("analyze", "--config", str(config), "--from", "1900-01-01", "--to", "9999-12-31", "--out", "x")
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert "9999-12-31 is outside the dates profitlens analyses (1900-01-01 to 2199-12-31)" in result.stderr


def test_a_store_folder_that_cannot_be_made_is_one_line(tmp_path: Path) -> None:
    # Issue 20 (14): an unwritable store or log folder was a traceback. (A file stands in the way of the
    # folder here: permissions cannot refuse root, who runs CI.)
    (tmp_path / "afile").write_text("not a folder", encoding="utf-8")
    config = tmp_path / "p.toml"
    config.write_text(
        f'[source]\nkind = "files"\npath = "data"\n[store]\npath = "{tmp_path / "afile" / "l.duckdb"}"\n',
        encoding="utf-8",
    )
    result = run("sync", "--config", str(config))
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr, result.stderr
    assert "`store.path`: cannot write the log file" in result.stderr


def test_a_sqlite_file_given_as_the_store_is_refused_without_a_download(tmp_path: Path) -> None:
    # Issue 20 (14): DuckDB tried to download its SQLite extension to open the GP sample as the store.
    import sqlite3

    sqlite3.connect(tmp_path / "sample.sqlite").execute("CREATE TABLE t (x)").connection.close()
    config = files_config(tmp_path).read_text(encoding="utf-8")
    (tmp_path / "p.toml").write_text(config.replace("ledger.duckdb", "sample.sqlite"), encoding="utf-8")
    result = run("sync", "--config", str(tmp_path / "p.toml"))
    assert result.returncode == 1
    assert "sample.sqlite is a SQLite database, not a profitlens ledger store" in result.stderr


def test_a_secret_written_in_clear_in_the_configuration_is_warned_about(tmp_path: Path) -> None:
    # Issue 20 (14): accepted without a word. It still works (a test box may want it), never silently.
    config = files_config(tmp_path)
    text = config.read_text(encoding="utf-8")
    config.write_text(
        text + '\n[mail]\nhost = "localhost"\nsender = "a@b.example"\nusername = "u"\npassword = "hunter2-clear"\n',
        encoding="utf-8",
    )
    result = run("quarantine", "--config", str(config))
    assert "`mail.password` in" in result.stderr and "holds a secret in clear" in result.stderr
    assert "hunter2-clear" not in result.stderr
    line = next(n for n, t in enumerate(config.read_text(encoding="utf-8").splitlines(), 1) if "hunter2" in t)
    assert f"{config}:{line} holds a secret in clear" in result.stderr
    config.write_text(
        text + '\n[mail]\nhost = "h"\nsender = "a@b.example"\npassword = "${X_UNSET_OK}"\n', encoding="utf-8"
    )
    assert "in clear" not in run("quarantine", "--config", str(config)).stderr


def test_quarantine_lists_the_rows_still_out_after_an_unchanged_resync(tmp_path: Path) -> None:
    # Issue 20 (5): after a re-sync of the unchanged file, `quarantine` listed nothing though the row was out.
    config = files_config(tmp_path)
    documents = tmp_path / "data" / "documents.csv"
    good = documents.read_text(encoding="utf-8")
    documents.write_text(good + "BAD,C1,invoice,31.01.2026,10,,,,,,,,0\n", encoding="utf-8")
    assert run("sync", "--config", str(config)).returncode == 0
    again = run("sync", "--config", str(config))
    assert "0 quarantined" in again.stdout  # nothing read again: the file is as it was
    listed = run("quarantine", "--config", str(config))
    assert "documents.csv row 9 (BAD): document_date: '31.01.2026' is not a date" in listed.stderr
    documents.write_text(good + "BAD,C1,invoice,2026-01-31,10,,,,,,,,0\n", encoding="utf-8")  # fixed
    assert run("sync", "--config", str(config)).returncode == 0
    assert run("quarantine", "--config", str(config)).stderr.startswith("No rows are in quarantine")


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (
            ["--from", "2025-13-01", "--to", "2026-01-31"],
            "'2025-13-01' is not a day of the calendar: month must be in 1..12",
        ),
        (
            ["--from", "2025-02-30", "--to", "2026-01-31"],
            "'2025-02-30' is not a day of the calendar: day is out of range",
        ),
        (["--from", "1.2.2025", "--to", "2026-01-31"], "'1.2.2025' is not a date written YYYY-MM-DD (e.g. 2026-01-31)"),
        (
            ["--from", "2025-02-01", "--to", "2026-01-31", "--as-of", "2025-01-31"],
            "2025-01-31 is before the period starts (2025-02-01)",
        ),
    ],
)
def test_a_wrong_date_is_named_with_what_is_wrong(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], said: str
) -> None:
    config = files_config(tmp_path)
    assert main(["analyze", "--config", str(config), *args, "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert (
        err.count("\n") == 1 and err.startswith("error: ") and err.rstrip().endswith("(see profitlens analyze --help)")
    )
    assert said in err and "Traceback" not in err and "strptime" not in err and "%Y" not in err
    assert not (tmp_path / "out").exists()


def test_analyze_says_which_period_and_why_fewer_customers_than_the_ledger(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Alpha's ledger holds C1 and C2; in January only C1 has anything (INV1, labour), C2's INV5 is of March.
    config = files_config(tmp_path)
    assert main(["sync", "--config", str(config)]) == 0
    capsys.readouterr()
    args = [
        "analyze",
        "--config",
        str(config),
        "--from",
        "2026-01-01",
        "--to",
        "2026-01-31",
        "--out",
        str(tmp_path / "o"),
    ]
    assert main(args) == 0
    err = capsys.readouterr().err
    assert (
        "2026-01-01 to 2026-01-31 (as of 2026-01-31): 1 customer with figures in the period, of 2 in the ledger" in err
    )


def test_quarantine_says_so_when_nothing_is_in_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = files_config(tmp_path)
    assert main(["sync", "--config", str(config)]) == 0
    capsys.readouterr()
    assert main(["quarantine", "--config", str(config)]) == 0
    assert "No rows are in quarantine" in capsys.readouterr().err


def test_run_json_reports_a_failure_as_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # A monitor parsing `run --json` must not meet plain text when the run stops: an unknown job here.
    config = files_config(tmp_path)
    assert main(["run", "--config", str(config), "nightly-typo", "--json"]) == 1
    out = capsys.readouterr().out
    failure = json.loads(out)
    assert failure["job"] == "nightly-typo" and failure["status"] == "failed"
    assert "nightly-typo" in failure["error"] and failure["kind"].endswith("Error")


def test_history_shows_what_its_help_promises(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # --help: "start, end, status, figures, error, e-mails sent". A sync of alpha: its rows read and landed
    # as the sync itself reported them, none quarantined.
    config = files_config(tmp_path)
    assert main(["sync", "--config", str(config)]) == 0
    synced = capsys.readouterr().out
    assert main(["history", "--config", str(config)]) == 0
    (line,) = capsys.readouterr().out.splitlines()
    read = synced.split(" ")[1]  # "Synced 19 rows from …"
    assert " to " in line and " sync " in line and " ok " in line
    assert f"read {read}, landed {read}, quarantined 0" in line


def test_schedule_once_says_when_nothing_was_due(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = files_config(tmp_path)  # no [[job]] at all
    assert main(["schedule", "--config", str(config), "--once"]) == 0
    assert "No job is due now; nothing was run." in capsys.readouterr().err
