"""Report languages: gettext catalogs (reports/locale/<lang>/LC_MESSAGES/messages.po) and Babel locales.

The catalogs are plain .po files, read with Babel at run time (no compile step to forget). English is the
source language: its "catalog" is the msgids themselves.
"""

from __future__ import annotations

import gettext
import io
from collections.abc import Callable
from functools import cache
from importlib import resources

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from common.errors import ConfigError

LANGUAGES: dict[str, str] = {
    "en": "English",
    "de": "Deutsch",
    "es": "Español",
    "nb": "Norsk bokmål",
    "sv": "Svenska",
    "fi": "Suomi",
}
ALIASES = {"no": "nb", "nn": "nb", "se": "sv"}


def language(value: str | None) -> str:
    """Normalise a language choice ('de', 'de_DE', 'no' → 'nb'); refuse what has no catalog."""
    lang = (value or "en").replace("-", "_").split("_")[0].lower()
    lang = ALIASES.get(lang, lang)
    if lang not in LANGUAGES:
        raise ConfigError(
            f"there is no report language {value!r}",
            key="--lang / company.locale",
            hint=f"choose one of {', '.join(LANGUAGES)}",
        )
    return lang


def catalog_path(lang: str) -> resources.abc.Traversable:
    return resources.files("reports").joinpath("locale", lang, "LC_MESSAGES", "messages.po")


@cache
def translations(lang: str) -> gettext.NullTranslations:
    """The translations of a language (English: none, the msgids are English)."""
    if lang == "en":
        return gettext.NullTranslations()
    with catalog_path(lang).open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(fp=buffer)


def gettext_for(lang: str) -> Callable[..., str]:
    """A newstyle gettext: `_("Pays %(days)s days late", days=12)`; % only where there are arguments."""
    t = translations(lang)

    def _(message: str, **variables: object) -> str:
        text = t.gettext(message)
        return text % variables if variables else text

    return _
