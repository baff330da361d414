"""The fast money format is Babel's format, for every report language and common currencies."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest
from babel import Locale
from babel.numbers import format_currency, format_decimal, format_percent
from hypothesis import given, settings
from hypothesis import strategies as st

from reports.formatting import Formatter, cldr_minus

LOCALES = ["en", "de", "es", "nb", "sv", "fi", "de_CH", "en_IN"]
amounts = st.decimals(min_value=-(10**12), max_value=10**12, places=5, allow_nan=False, allow_infinity=False)


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("currency", ["EUR", "USD", "NOK", "SEK", "CHF", "INR"])
@settings(max_examples=60, deadline=None)
@given(value=amounts)
def test_money_is_exactly_what_babel_writes(locale: str, currency: str, value: Decimal) -> None:
    cents = value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    assert Formatter(locale, currency).money(value) == cldr_minus(
        format_currency(cents, currency, locale=locale), locale
    )
    # whole amounts: the locale's pattern without decimals
    pattern = Locale.parse(locale).currency_formats["standard"].pattern.replace(".00", "")
    units = value.quantize(Decimal(1), rounding=ROUND_HALF_UP)
    expected = format_currency(units, currency, format=pattern, locale=locale, currency_digits=False)
    assert Formatter(locale, currency).money(value, whole=True) == cldr_minus(expected, locale)


@pytest.mark.parametrize("locale", LOCALES)
def test_the_edges_of_grouping(locale: str) -> None:
    formatter = Formatter(locale, "EUR")
    for text in ("0", "-0.004", "0.005", "999.99", "1000", "-1000", "9999.99", "10000", "-10000.5", "123456789.01"):
        value = Decimal(text)
        cents = value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        assert formatter.money(value) == cldr_minus(format_currency(cents, "EUR", locale=locale), locale), text


percents = st.one_of(
    st.decimals(min_value=-(10**6), max_value=10**6, places=4, allow_nan=False, allow_infinity=False),
    st.decimals(min_value=-1, max_value=1, allow_nan=False, allow_infinity=False),  # long fractions, −0.04
    st.sampled_from([Decimal("0.05"), Decimal("-0.05"), Decimal("0.15"), Decimal("2.25"), Decimal("-0")]),
)


@pytest.mark.parametrize("locale", LOCALES)
@settings(max_examples=150, deadline=None)
@given(value=percents, digits=st.integers(0, 2))
def test_percent_and_numbers_are_exactly_what_babel_writes(locale: str, value: Decimal, digits: int) -> None:
    formatter = Formatter(locale, "EUR")
    # The locale's own percent pattern (a no-break space before % in de, es, nb, sv, fi) with the decimals.
    pattern = Locale.parse(locale).percent_formats[None].pattern
    pattern = pattern.replace("0", "0." + "0" * digits, 1) if digits else pattern
    assert formatter.percent(value, digits) == cldr_minus(
        format_percent(value / 100, locale=locale, format=pattern), locale
    )
    rounded = value.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    expected = format_decimal(rounded, locale=locale, format=None if digits == 0 else "#,##0." + "0" * digits)
    assert formatter.number(value, digits) == cldr_minus(expected, locale)


def test_a_percentage_reads_as_each_locale_writes_it() -> None:
    # CLDR: English "32.8%"; German, Spanish, Norwegian, Swedish and Finnish "32,8 %" (a no-break space).
    written = {locale: Formatter(locale, "EUR").percent(Decimal("32.84")) for locale in LOCALES[:6]}
    assert written == {
        "en": "32.8%",
        "de": "32,8\u00a0%",
        "es": "32,8\u00a0%",
        "nb": "32,8\u00a0%",
        "sv": "32,8\u00a0%",
        "fi": "32,8\u00a0%",
    }


def test_norwegian_swedish_and_finnish_write_the_minus_sign_cldr_gives_them() -> None:
    # CLDR's minusSign is U+2212 "−" for nb, sv and fi (a hyphen for en, de, es); Babel's patterns write a
    # hyphen everywhere, so a loss read "-3 008,51 kr" where a Nordic reader expects "−3 008,51 kr".
    loss = Decimal("-3008.51")
    assert Formatter("nb", "NOK").money(loss) == "\u22123\u00a0008,51\u00a0kr"
    assert Formatter("sv", "SEK").money(loss, whole=True) == "\u22123\u00a0009\u00a0kr"
    assert Formatter("fi", "EUR").percent(Decimal("-7.26")) == "\u22127,3\u00a0%"
    assert Formatter("fi", "EUR").number(Decimal("-12.5"), 1) == "\u221212,5"
    assert (
        Formatter("de", "EUR").money(loss) == "-3.008,51\u00a0€" and Formatter("en", "EUR").money(loss) == "-€3,008.51"
    )
