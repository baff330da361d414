"""profitlens on Windows as far as this machine can tell (issue 24): no POSIX-only module, the job lock
of the platform, released by the system when its process dies."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from common.errors import AlreadyRunning
from profitlens.cli import main
from profitlens.config import load_config
from profitlens.jobs import job_lock
from tests.profitlens.test_cli import files_config

ROOT = Path(__file__).resolve().parents[2]


def test_every_module_imports_and_every_help_runs_without_posix_modules_and_as_win32() -> None:
    guard = subprocess.run(
        [sys.executable, "-W", "ignore", "-m", "tests.profitlens.portability_guard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=300,
    )
    assert guard.returncode == 0, guard.stdout + guard.stderr
    assert "as win32: --help of" in guard.stdout and "0 failed" in guard.stdout


def test_the_guard_catches_a_posix_only_import(tmp_path: Path) -> None:
    # The guard itself must fail where Windows would: a module that imports fcntl at the top.
    (tmp_path / "posixonly.py").write_text("import fcntl\n", encoding="utf-8")
    code = textwrap.dedent(
        """
        import sys
        from tests.profitlens import portability_guard as g
        sys.meta_path.insert(0, g.PosixOnlyBlocked())
        sys.modules.pop("fcntl", None)
        try:
            import posixonly
        except ModuleNotFoundError as exc:
            print("blocked:", exc.name)
        """
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), str(ROOT)])}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, encoding="utf-8", env=env, check=True
    )
    assert out.stdout.strip() == "blocked: fcntl"


def test_a_second_holder_of_a_jobs_lock_is_refused_and_the_first_release_frees_it(tmp_path: Path) -> None:
    config = load_config(files_config(tmp_path))
    with job_lock(config, "monthly"):
        with pytest.raises(AlreadyRunning, match="the job 'monthly' is already running"), job_lock(config, "monthly"):
            pass
        with job_lock(config, "weekly"):  # another job's lock is its own
            pass
    with job_lock(config, "monthly"):  # released on leaving
        pass


@pytest.mark.skipif(sys.platform == "win32", reason="kills with SIGKILL")
def test_a_killed_holder_leaves_the_lock_free(tmp_path: Path) -> None:
    config_path = files_config(tmp_path)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\n"
            "from profitlens.config import load_config\n"
            "from profitlens.jobs import job_lock\n"
            f"with job_lock(load_config({str(config_path)!r}), 'monthly'):\n"
            "    print('held', flush=True)\n"
            "    time.sleep(600)\n",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        encoding="utf-8",
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        config = load_config(config_path)
        with pytest.raises(AlreadyRunning), job_lock(config, "monthly"):
            pass
        holder.send_signal(signal.SIGKILL)  # no cleanup of its own: the system must release the lock
        holder.wait(timeout=30)
        with job_lock(config, "monthly"):
            pass
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait()
        if holder.stdout is not None:
            holder.stdout.close()


def test_without_the_pdf_runtime_a_pdf_is_one_clear_line_and_the_other_formats_still_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # As on a Windows server where the GTK runtime is not installed: importing WeasyPrint fails.
    monkeypatch.setitem(sys.modules, "weasyprint", None)
    config = files_config(tmp_path)
    assert main(["sync", "--config", str(config)]) == 0
    capsys.readouterr()
    period = ["--from", "2026-01-01", "--to", "2026-03-31"]
    out = tmp_path / "rep"
    assert main(["report", "--config", str(config), *period, "--format", "html,pdf", "--out", str(out)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "PDF reports need WeasyPrint and the Pango library" in err[0]
    assert "--format html,xlsx" in err[0]
    assert not out.exists()  # nothing half written
    assert main(["report", "--config", str(config), *period, "--format", "html,xlsx", "--out", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["report.html", "report.xlsx"]


def test_a_configuration_saved_by_a_windows_editor(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = '[company]\nname = "Müller GmbH"\ncurrency = "EUR"\n[source]\nkind = "files"\npath = "data"\n'
    ansi = tmp_path / "ansi.toml"
    ansi.write_bytes(text.encode("cp1252"))  # "ANSI" in an old Notepad: ü is the byte 0xfc, on line 2
    assert main(["check", "--config", str(ansi)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert f"{ansi}:2 is not UTF-8 (byte 0xfc)" in err and "save it as UTF-8" in err
    bom = tmp_path / "bom.toml"
    bom.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))  # Notepad's "UTF-8 with BOM"
    assert load_config(bom).settings.company.name == "Müller GmbH"


def test_output_redirected_to_a_log_file_is_utf8_whatever_the_code_page(tmp_path: Path) -> None:
    # A scheduled task writing `>> monthly.log` on Windows: Python's default there is the ANSI code page
    # (cp1252), which has no "Ł"; the report's path is printed and must not stop the run.
    config = files_config(tmp_path)
    env = {**os.environ, "PYTHONIOENCODING": "cp1252"}
    base = [sys.executable, "-m", "profitlens.cli"]
    subprocess.run([*base, "sync", "--config", str(config)], cwd=ROOT, env=env, check=True, capture_output=True)
    out = tmp_path / "Łódź"
    period = ["--from", "2026-01-01", "--to", "2026-03-31"]
    done = subprocess.run(
        [*base, "report", "--config", str(config), *period, "--format", "html", "--out", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
    )
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")
    assert done.stdout.decode("utf-8").strip() == str(out / "report.html")
