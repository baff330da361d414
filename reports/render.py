"""Render the reports: the accountant's HTML (self-contained) and the executive PDF (WeasyPrint), in a language."""

from __future__ import annotations

import logging
import os
import sys
import tempfile
from importlib import resources
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from common.errors import RenderError
from reports.i18n import translations


def environment(lang: str = "en") -> Environment:
    # Autoescape always on: customer and item names come from the ERP and may hold markup.
    env = Environment(
        loader=PackageLoader("reports", "templates"),
        autoescape=True,  # every template is HTML: no per-extension choice to get wrong
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_translations(translations(lang), newstyle=True)  # type: ignore[attr-defined]
    # An amount inside a sentence never breaks between its minus sign, symbol and digits ("-€4,203,856").
    env.filters["nobr"] = lambda value: Markup('<span class="nobr">') + str(value) + Markup("</span>")
    return env


def _stylesheet() -> Markup:
    # Our own stylesheet, not data: safe to insert unescaped.
    text = resources.files("reports").joinpath("templates", "base.css").read_text(encoding="utf-8")
    return Markup(text)  # noqa: S704


def render(template: str, context: dict[str, Any], lang: str = "en", **extra: Any) -> str:
    env = environment(lang)
    return env.get_template(template).render(**context, css=_stylesheet(), **extra)


def render_html(context: dict[str, Any], *, lang: str = "en", pdf: bool = False) -> str:
    return render("executive.html" if pdf else "report.html", context, lang)


def write_html(context: dict[str, Any], path: Path, lang: str = "en") -> Path:
    write_private_file(path, render("report.html", context, lang).encode("utf-8"))
    return path


def _pdf_runtime_hint() -> str:
    leave_out = 'or leave the PDF out: --format html,xlsx (a job: reports = ["html", "xlsx"])'
    if sys.platform == "win32":
        return f"install the GTK runtime WeasyPrint needs (docs/windows.md, step 3), {leave_out}"
    if sys.platform == "darwin":
        return f"install Pango (brew install pango), {leave_out}"
    return f"install Pango (Debian: apt-get install libpango-1.0-0 libpangoft2-1.0-0), {leave_out}"


def weasyprint_html() -> Any:
    """WeasyPrint's HTML class; it needs Pango, a system library (on Windows from a GTK runtime). Asked
    for before any work is done when a PDF is wanted, so that a missing runtime is one clear line."""
    try:
        from weasyprint import HTML  # noqa: PLC0415 - heavy import, needs Pango: only when a PDF is asked for
    except (ImportError, OSError) as exc:
        raise RenderError(
            f"PDF reports need WeasyPrint and the Pango library, which cannot be loaded: {exc}",
            hint=_pdf_runtime_hint(),
        ) from exc
    return HTML


def html_to_pdf(html: str) -> bytes:
    html_class = weasyprint_html()
    # WeasyPrint reads SVG presentation attributes (fill, stroke) as SVG, but first warns about them as
    # unknown CSS: noise for the user. Real problems are logged at ERROR and still shown.
    weasy_log = logging.getLogger("weasyprint")
    level = weasy_log.level
    weasy_log.setLevel(logging.ERROR)
    try:
        data = html_class(string=html).write_pdf()
    except Exception as exc:  # WeasyPrint raises many kinds; the user needs one message
        raise RenderError(f"the PDF could not be rendered: {exc}") from exc
    finally:
        weasy_log.setLevel(level)
    if data is None:
        raise RenderError("WeasyPrint returned no PDF")
    return bytes(data)


def write_pdf(context: dict[str, Any], path: Path, lang: str = "en", template: str = "executive.html") -> Path:
    write_private_file(path, html_to_pdf(render(template, context, lang)))
    return path


def write_private_file(path: Path, data: bytes) -> None:
    """Write atomically with owner-only permissions: reports hold a company's figures. The temporary file
    is a new one, made exclusively (mkstemp: O_EXCL, 0600) beside the target: a name planted in the
    folder in advance (a symlink to a file elsewhere) is never followed."""
    tmp: Path | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
        tmp = Path(name)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        tmp.replace(path)
        tmp = None
    except OSError as exc:
        raise RenderError(f"cannot write {path}: {exc.strerror}") from exc
    finally:
        if tmp is not None:
            tmp.unlink(missing_ok=True)
