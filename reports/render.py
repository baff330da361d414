"""Render the profitability report to HTML (self-contained) and PDF (WeasyPrint)."""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from profitlens.errors import RenderError


def environment() -> Environment:
    # Autoescape always on: customer and item names come from the ERP and may hold markup.
    return Environment(
        loader=PackageLoader("reports", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=False,
    )


def render_html(context: dict[str, Any], *, pdf: bool = False) -> str:
    env = environment()
    # Our own stylesheet, not data: safe to insert unescaped.
    stylesheet = resources.files("reports").joinpath("templates", "base.css").read_text(encoding="utf-8")
    css = Markup(stylesheet)  # noqa: S704
    return env.get_template("report.html").render(**context, css=css, pdf=pdf)


def write_html(context: dict[str, Any], path: Path) -> Path:
    write_private_file(path, render_html(context).encode("utf-8"))
    return path


def write_pdf(context: dict[str, Any], path: Path) -> Path:
    try:
        from weasyprint import HTML  # noqa: PLC0415 - heavy import, needs Pango: only when a PDF is asked for
    except (ImportError, OSError) as exc:
        raise RenderError(
            f"WeasyPrint cannot be loaded: {exc}",
            hint="install Pango (Debian: apt-get install libpango-1.0-0 libpangoft2-1.0-0)",
        ) from exc
    html = render_html(context, pdf=True)
    try:
        data = HTML(string=html).write_pdf()
    except Exception as exc:  # WeasyPrint raises many kinds; the user needs one message
        raise RenderError(f"the PDF could not be rendered: {exc}") from exc
    if data is None:
        raise RenderError("WeasyPrint returned no PDF")
    write_private_file(path, data)
    return path


def write_private_file(path: Path, data: bytes) -> None:
    """Write atomically with owner-only permissions: reports hold a company's figures."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.part")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        tmp.replace(path)
    except OSError as exc:
        raise RenderError(f"cannot write {path}: {exc.strerror}") from exc
