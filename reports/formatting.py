"""Numbers, money and dates for people, in their locale (Babel)."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_currency, format_decimal, format_percent

CENT = Decimal("0.01")


class Formatter:
    """Formats figures for one locale and currency; amounts are rounded half up to cents."""

    def __init__(self, locale: str = "en", currency: str = "EUR") -> None:
        self.locale = locale
        self.currency = currency

    def money(self, value: Decimal | None, *, whole: bool = False) -> str:
        if value is None:
            return ""
        if whole:
            # The locale's own currency pattern without its decimals: "€1,234" / "1.234 €" / "1 234 kr".
            pattern = Locale.parse(self.locale).currency_formats["standard"].pattern.replace(".00", "")
            rounded = value.quantize(Decimal(1), rounding=ROUND_HALF_UP)
            return str(
                format_currency(rounded, self.currency, format=pattern, locale=self.locale, currency_digits=False)
            )
        return str(format_currency(value.quantize(CENT, rounding=ROUND_HALF_UP), self.currency, locale=self.locale))

    def number(self, value: Decimal | int | None, digits: int = 0) -> str:
        if value is None:
            return ""
        quantum = Decimal(1).scaleb(-digits)
        return str(
            format_decimal(
                Decimal(value).quantize(quantum, rounding=ROUND_HALF_UP),
                locale=self.locale,
                format=None if digits == 0 else "#,##0." + "0" * digits,
            )
        )

    def percent(self, value: Decimal | None, digits: int = 1) -> str:
        """`value` is in percent (12.5 means 12.5 %)."""
        if value is None:
            return "–"
        pattern = "#,##0." + "0" * digits + "%" if digits else "#,##0%"
        return str(format_percent(value / 100, locale=self.locale, format=pattern))

    def date(self, value: dt.date | None) -> str:
        return "" if value is None else str(format_date(value, format="medium", locale=self.locale))
