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
        # Learnt on first use; None where the locale's shape is not recognised (Babel formats each amount).
        self._shapes: dict[bool, _MoneyShape | None] = {}

    def money(self, value: Decimal | None, *, whole: bool = False) -> str:
        if value is None:
            return ""
        if whole not in self._shapes:
            self._shapes[whole] = _MoneyShape.learn(self.locale, self.currency, whole=whole)
        shape = self._shapes[whole]
        rounded = value.quantize(Decimal(1) if whole else CENT, rounding=ROUND_HALF_UP)
        return shape.format(rounded) if shape is not None else _babel_money(rounded, self.locale, self.currency, whole)

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


def _babel_money(value: Decimal, locale: str, currency: str, whole: bool) -> str:
    if whole:
        # The locale's own currency pattern without its decimals: "€1,234" / "1.234 €" / "1 234 kr".
        pattern = Locale.parse(locale).currency_formats["standard"].pattern.replace(".00", "")
        return str(format_currency(value, currency, format=pattern, locale=locale, currency_digits=False))
    return str(format_currency(value, currency, locale=locale))


class _MoneyShape:
    """Babel's currency format for one locale and currency, learnt once and applied fast.

    Babel re-reads the locale's data on every call (60 % of the HTML report's time for 16,000
    customers). The shape is learnt from Babel's own output for probe amounts, so it is Babel's
    format by construction; tests/reports/test_formatting.py compares both over many amounts.
    """

    def __init__(self, positive: str, negative: str, group: str, decimal: str, min_grouping: int, digits: int) -> None:
        self.positive, self.negative = positive, negative
        self.group, self.decimal, self.min_grouping, self.digits = group, decimal, min_grouping, digits

    @classmethod
    def learn(cls, locale: str, currency: str, *, whole: bool) -> _MoneyShape | None:
        from babel.numbers import get_decimal_symbol, get_group_symbol  # noqa: PLC0415

        group, decimal = get_group_symbol(locale=locale), get_decimal_symbol(locale=locale)
        probe, number = Decimal("1234567.89"), f"1{group}234{group}567{decimal}89"
        if whole:
            probe, number = Decimal("1234567"), f"1{group}234{group}567"
        positive = _babel_money(probe, locale, currency, whole)
        negative = _babel_money(-probe, locale, currency, whole)
        if positive.count(number) != 1 or negative.count(number) != 1:
            return None  # a shape we do not recognise: Babel formats every amount
        four = _babel_money(Decimal("1234"), locale, currency, whole)
        min_grouping = 1 if f"1{group}234" in four else 2
        return cls(
            positive.replace(number, "{}"),
            negative.replace(number, "{}"),
            group,
            decimal,
            min_grouping,
            0 if whole else 2,
        )

    def format(self, cents: Decimal) -> str:
        text = f"{abs(cents):,.{self.digits}f}"
        if self.min_grouping > 1 and abs(cents) < 10000:
            text = text.replace(",", "")
        text = text.replace(",", "\0").replace(".", self.decimal).replace("\0", self.group)
        return (self.negative if cents.is_signed() else self.positive).format(text)  # -0.00 as Babel writes it
