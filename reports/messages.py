"""Extract the report messages (templates and Python) into a catalog template, and check the catalogs.

python -m reports.messages            # print every message with its places
python -m reports.messages --check    # exit 1 if a catalog misses a message or has an empty one
"""

from __future__ import annotations

import sys
from importlib import resources
from pathlib import Path

from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po

from reports.i18n import LANGUAGES, catalog_path

KEYWORDS = {"_": None, "N_": None, "gettext": None}
SOURCES = ("context.py", "reasons.py", "delivery.py", "product_lines.py", "workbook.py")


def extract() -> dict[str, list[str]]:
    """msgid → the places it is used."""
    root = Path(str(resources.files("reports")))
    found: dict[str, list[str]] = {}
    files = [(root / "templates" / p.name, "jinja2") for p in sorted((root / "templates").glob("*.html"))]
    files += [(root / name, "python") for name in SOURCES]
    for path, method in files:
        options = {"extensions": "jinja2.ext.i18n"} if method == "jinja2" else {}
        extracted = extract_from_file(
            "jinja2.ext.babel_extract" if method == "jinja2" else "python",
            str(path),
            keywords=KEYWORDS,
            options=options,
        )
        for lineno, message, _comments, _context in extracted:
            text = message if isinstance(message, str) else message[0]
            found.setdefault(text, []).append(f"{path.name}:{lineno}")
    return found


def problems(lang: str, messages: dict[str, list[str]]) -> list[str]:
    with catalog_path(lang).open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    out = []
    for msgid, places in messages.items():
        entry = catalog.get(msgid)
        if entry is None or not entry.string:
            out.append(f"{lang}: no translation for {msgid!r} ({', '.join(places)})")
        elif entry.fuzzy:
            out.append(f"{lang}: fuzzy translation for {msgid!r}")
    for entry in catalog:
        if entry.id and entry.id not in messages:
            out.append(f"{lang}: {entry.id!r} is translated but no longer used")
    return out


def main() -> int:
    messages = extract()
    if "--check" in sys.argv:
        found = [p for lang in LANGUAGES if lang != "en" for p in problems(lang, messages)]
        print("\n".join(found) or "all catalogs complete")
        return 1 if found else 0
    for msgid, places in messages.items():
        print(f"{msgid!r}  # {', '.join(places)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
