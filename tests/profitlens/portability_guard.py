"""Run profitlens as far as this machine can pretend to be Windows (issue 24's portability guard).

    python -m tests.profitlens.portability_guard

1. The POSIX-only modules (fcntl, pwd, grp, resource, termios) cannot be imported: every module of
   profitlens is imported so, with the libraries it uses. A top-level `import fcntl` anywhere — ours or a
   dependency's — stops here, as it would on Windows.
2. Then profitlens' own modules are forgotten, `sys.platform` says "win32", and they are imported again;
   `--help` of every command runs. That is where our own platform branches are taken.

What this cannot do: run Windows' own code (msvcrt, winreg, the console API). The standard library and
the dependencies were imported in step 1, on this platform: their Windows branches need Windows' DLLs
and are their maintainers' to test. Prints one line per step; exit 0 only if everything passed.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.abc
import importlib.machinery
import io
import os
import pkgutil
import sys
import tempfile
import types
from collections.abc import Iterator, Sequence

POSIX_ONLY = frozenset({"fcntl", "pwd", "grp", "resource", "termios"})
PACKAGES = ("common", "connector", "mappings", "ledger", "profitability", "reports", "profitlens")


class PosixOnlyBlocked(importlib.abc.MetaPathFinder):
    def find_spec(
        self, fullname: str, path: Sequence[str] | None = None, target: types.ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname in POSIX_ONLY:
            raise ModuleNotFoundError(f"No module named {fullname!r} (POSIX-only: not on Windows)", name=fullname)
        return None


def import_every_module() -> list[str]:
    names = []
    for package in PACKAGES:
        names.append(importlib.import_module(package).__name__)
        for info in pkgutil.walk_packages(sys.modules[package].__path__, package + "."):
            if info.name.endswith(".__main__"):  # `python -m` scripts: importing one runs it
                continue
            names.append(importlib.import_module(info.name).__name__)
    return names


def command_paths(group: object, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    for name, command in getattr(group, "commands", {}).items():
        yield (*path, name)
        yield from command_paths(command, (*path, name))


def main() -> int:
    for name in POSIX_ONLY:
        sys.modules.pop(name, None)
    sys.meta_path.insert(0, PosixOnlyBlocked())
    first = import_every_module()
    print(f"without POSIX-only modules: {len(first)} modules imported")
    for name in list(sys.modules):
        if name.split(".")[0] in PACKAGES:
            del sys.modules[name]
    os.environ.setdefault("WINDIR", tempfile.mkdtemp())  # every Windows has one
    sys.platform = "win32"
    again = import_every_module()
    print(f"as win32: {len(again)} modules imported")
    cli_module = importlib.import_module("profitlens.cli")
    failed = []
    paths = [(), *command_paths(cli_module.cli)]
    for path in paths:
        shown = io.StringIO()
        with contextlib.redirect_stdout(shown):
            code = cli_module.main([*path, "--help"])
        if code != 0 or "Usage:" not in shown.getvalue():
            failed.append(" ".join(path))
    print(f"as win32: --help of {len(paths)} commands, {len(failed)} failed {failed}")
    return 1 if failed or len(again) != len(first) else 0


if __name__ == "__main__":
    sys.exit(main())
