"""Numbers, money and dates for people, in their locale (Babel)."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_currency, format_decimal, format_percent, get_minus_sign_symbol

CENT = Decimal("0.01")


class Formatter:
    """Formats figures for one locale and currency; amounts are rounded half up to cents."""

    def __init__(self, locale: str = "en", currency: str = "EUR") -> None:
        self.locale = locale
        self.currency = currency
        # Learnt on first use; None where the locale's shape is not recognised (Babel formats each amount).
        self._shapes: dict[bool, _NumberShape | None] = {}
        self._numbers: dict[tuple[str, int], _NumberShape | None] = {}

    def _number_shape(self, kind: str, digits: int) -> _NumberShape | None:
        if (kind, digits) not in self._numbers:
            render = self._babel_percent if kind == "percent" else self._babel_number
            self._numbers[(kind, digits)] = _NumberShape.learn(render, self.locale, digits)
        return self._numbers[(kind, digits)]

    def _babel_number(self, value: Decimal, digits: int) -> str:
        text = str(format_decimal(value, locale=self.locale, format=None if digits == 0 else "#,##0." + "0" * digits))
        return cldr_minus(text, self.locale)

    def _babel_percent(self, value: Decimal, digits: int) -> str:
        # The locale's own pattern (German, Nordic and Spanish put a no-break space before %), with the
        # decimals asked for: "#,##0 %" → "#,##0.0 %".
        pattern = Locale.parse(self.locale).percent_formats[None].pattern
        if digits:
            pattern = pattern.replace("0", "0." + "0" * digits, 1)
        return cldr_minus(str(format_percent(value / 100, locale=self.locale, format=pattern)), self.locale)

    def money(self, value: Decimal | None, *, whole: bool = False) -> str:
        if value is None:
            return ""
        if whole not in self._shapes:
            self._shapes[whole] = _NumberShape.learn(
                lambda v, _digits: _babel_money(v, self.locale, self.currency, whole), self.locale, 0 if whole else 2
            )
        shape = self._shapes[whole]
        rounded = value.quantize(Decimal(1) if whole else CENT, rounding=ROUND_HALF_UP)
        return shape.format(rounded) if shape is not None else _babel_money(rounded, self.locale, self.currency, whole)

    def number(self, value: Decimal | int | None, digits: int = 0) -> str:
        if value is None:
            return ""
        rounded = Decimal(value).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
        shape = self._number_shape("number", digits)
        return shape.format(rounded) if shape is not None else self._babel_number(rounded, digits)

    def percent(self, value: Decimal | None, digits: int = 1) -> str:
        """`value` is in percent (12.5 means 12.5 %)."""
        if value is None:
            return "–"
        shape = self._number_shape("percent", digits)
        if shape is None:
            return self._babel_percent(value, digits)
        # As Babel does it: the fraction scaled back by 10^2, the sign taken before rounding (half even).
        scaled = (value / 100).scaleb(2)
        rounded = abs(scaled).normalize().quantize(Decimal(1).scaleb(-digits))
        return shape.format(-rounded if scaled.is_signed() else rounded, negative=scaled.is_signed())

    def date(self, value: dt.date | None) -> str:
        return "" if value is None else str(format_date(value, format="medium", locale=self.locale))


@functools.cache
def _minus_sign(locale: str) -> str:
    return str(get_minus_sign_symbol(locale=locale))


def cldr_minus(text: str, locale: str) -> str:
    """The locale's own minus sign where Babel writes a hyphen: CLDR gives Norwegian, Swedish and Finnish
    U+2212 "−" (Babel's patterns write "-" whatever the locale says)."""
    sign = _minus_sign(locale)
    return text.replace("-", sign, 1) if sign != "-" else text


def _babel_money(value: Decimal, locale: str, currency: str, whole: bool) -> str:
    if whole:
        # The locale's own currency pattern without its decimals: "€1,234" / "1.234 €" / "1 234 kr".
        pattern = Locale.parse(locale).currency_formats["standard"].pattern.replace(".00", "")
        text = str(format_currency(value, currency, format=pattern, locale=locale, currency_digits=False))
    else:
        text = str(format_currency(value, currency, locale=locale))
    return cldr_minus(text, locale)


class _NumberShape:
    """A Babel number format (currency, percent, plain) for one locale, learnt once and applied fast.

    Babel re-reads the locale's data on every call (60 % of the HTML report's time for 16,000
    customers). The shape is learnt from Babel's own output for probe values, so it is Babel's
    format by construction; tests/reports/test_formatting.py compares both over many amounts.
    """

    def __init__(self, positive: str, negative: str, group: str, decimal: str, min_grouping: int, digits: int) -> None:
        self.positive, self.negative = positive, negative
        self.group, self.decimal, self.min_grouping, self.digits = group, decimal, min_grouping, digits

    @classmethod
    def learn(cls, render: Callable[[Decimal, int], str], locale: str, digits: int) -> _NumberShape | None:
        """The shape of a Babel format `render(value, digits)` (money, percent, plain numbers), or None
        where it is not one we recognise (Babel then formats every value)."""
        from babel.numbers import get_decimal_symbol, get_group_symbol  # noqa: PLC0415

        group, decimal = get_group_symbol(locale=locale), get_decimal_symbol(locale=locale)
        fraction = "123456789"[:digits]
        probe = Decimal(f"1234567.{fraction}") if digits else Decimal(1234567)
        number = f"1{group}234{group}567" + (f"{decimal}{fraction}" if digits else "")
        positive, negative = render(probe, digits), render(-probe, digits)
        if positive.count(number) != 1 or negative.count(number) != 1:
            return None
        min_grouping = 1 if f"1{group}234" in render(Decimal(1234), digits) else 2
        return cls(positive.replace(number, "{}"), negative.replace(number, "{}"), group, decimal, min_grouping, digits)

    def format(self, cents: Decimal, *, negative: bool | None = None) -> str:
        text = f"{abs(cents):,.{self.digits}f}"
        if self.min_grouping > 1 and abs(cents) < 10000:
            text = text.replace(",", "")
        text = text.replace(",", "\0").replace(".", self.decimal).replace("\0", self.group)
        signed = cents.is_signed() if negative is None else negative  # -0.00 as Babel writes it
        return (self.negative if signed else self.positive).format(text)
