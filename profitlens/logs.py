"""Logging: the console (level by -v) and a rotating file next to the store, a run id on every line, and
every secret the configuration resolved masked before anything is written."""

from __future__ import annotations

import contextvars
import logging
import logging.handlers
from pathlib import Path

from common.errors import ConfigError
from common.masking import mask

RUN_ID: contextvars.ContextVar[str] = contextvars.ContextVar("profitlens_run_id", default="-")
FORMAT = "%(asctime)s %(levelname)s run=%(run_id)s %(name)s: %(message)s"


class _Context(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.run_id = RUN_ID.get()
        message = record.getMessage()
        masked = mask(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


def setup_console(verbosity: int) -> None:
    root = logging.getLogger()
    root.setLevel(logging.DEBUG)
    handler = logging.StreamHandler()
    handler.setLevel(max(logging.WARNING - 10 * verbosity, logging.DEBUG))
    handler.setFormatter(logging.Formatter("%(levelname)s run=%(run_id)s %(name)s: %(message)s"))
    handler.addFilter(_Context())
    handler.addFilter(lambda record: not getattr(record, "file_only", False))
    handler.set_name("profitlens-console")
    _replace(root, handler)


def setup_file(folder: Path) -> Path:
    """A rotating log (5 files of 5 MB) in `folder`, readable by its owner only."""
    path = folder / "profitlens.log"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(path, maxBytes=5 * 1024 * 1024, backupCount=5, encoding="utf-8")
        path.chmod(0o600)
    except OSError as exc:  # the log folder sits next to the store: its setting is the one to fix
        raise ConfigError(
            f"cannot write the log file {path}: {exc.strerror}",
            key="store.path",
            hint="the logs are kept next to the store: give that folder write access, or change [store] path",
        ) from exc
    handler.setLevel(logging.INFO)
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(_Context())
    handler.set_name("profitlens-file")
    _replace(logging.getLogger(), handler)
    return path


def _replace(root: logging.Logger, handler: logging.Handler) -> None:
    for old in [h for h in root.handlers if h.get_name() == handler.get_name()]:
        root.removeHandler(old)
        old.close()
    root.addHandler(handler)
