"""One source value into one ledger type (mappings/coerce.py): what lands, and what the quarantine says."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from mappings.coerce import BadValue, show, to_bool, to_date, to_money, to_text


def test_text_is_trimmed_and_numbers_keep_their_digits() -> None:
    assert to_text("  Alpha GmbH  ") == "Alpha GmbH"
    assert to_text("   ") is None and to_text(None) is None
    assert to_text(Decimal("10.50")) == "10.50" and to_text(42) == "42" and to_text(True) == "True"


def test_a_value_shown_in_a_quarantine_reason_is_cut_at_sixty_characters() -> None:
    # repr of 58 characters is 60 with its quotes: shown whole; one more and it is cut to 57 + "...".
    assert show("x" * 58) == "'" + "x" * 58 + "'"
    assert show("x" * 59) == "'" + "x" * 56 + "..."
    assert show(Decimal("1.5")) == "1.5"


def test_control_characters_and_overlong_text_are_refused_with_the_reason() -> None:
    with pytest.raises(BadValue, match="contains control characters"):
        to_text("Alpha\x00GmbH")
    assert to_text("Alpha\tGmbH") == "Alpha\tGmbH"  # a tab is text
    with pytest.raises(BadValue, match="text of 1001 characters is longer than 1000"):
        to_text("x" * 1001)
    assert to_text("x" * 1000) == "x" * 1000


def test_flags_dates_and_money() -> None:
    assert [to_bool(v) for v in ("1", "yes", "X", "0", "no", "")] == [
        True,
        True,
        True,
        False,
        False,
        None,
    ]  # empty: not given
    assert to_date("2026-03-31") == dt.date(2026, 3, 31) and to_date(dt.datetime(2026, 3, 31, 23, 59)) == dt.date(
        2026, 3, 31
    )
    assert to_money("1234.50") == Decimal("1234.50") and to_money("  ") is None
    with pytest.raises(BadValue):
        to_money("abc")


def test_whole_numbers_fit_the_stores_integer() -> None:
    # The store's INTEGER is 32 bits: 2,147,483,647 lands, one more is refused (it would fail the chunk).
    from mappings.coerce import to_int

    assert to_int("2147483647") == 2**31 - 1 and to_int(-(2**31 - 1)) == -(2**31 - 1)
    with pytest.raises(BadValue):
        to_int(2**31)


def test_dates_from_1950_to_2199_inclusive_and_none_outside() -> None:
    # The store's plausible years (a year 0019 or 9999 is a typo or a sentinel, and would wreck ageing):
    # both bounds are years a date may have; the day either side of them is refused with the range named.
    assert to_date("1950-01-01") == dt.date(1950, 1, 1)
    assert to_date("2199-12-31") == dt.date(2199, 12, 31)
    for outside in ("1949-12-31", "2200-01-01"):
        with pytest.raises(BadValue, match="outside the years 1950-2199"):
            to_date(outside)
