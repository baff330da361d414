from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.money import D, to_store


def test_floats_from_odbc_drivers_become_the_decimal_they_print_as() -> None:
    assert D(0.1) == Decimal("0.1")
    assert D(1249.5) == Decimal("1249.5")
    assert D(19.99) == Decimal("19.99")


@given(st.decimals(min_value=-(10**13), max_value=10**13, places=2, allow_nan=False, allow_infinity=False))
def test_two_decimal_amounts_survive_a_float_round_trip(value: Decimal) -> None:
    # numeric(19,5) read as a float (SQLite ODBC driver) must come back to the same cents.
    assert to_store(D(float(value))) == value


@pytest.mark.parametrize("bad", ["", "abc", "1,5", "NaN", "Infinity", True, None])
def test_what_is_not_an_amount_is_refused(bad: object) -> None:
    with pytest.raises(ValueError):
        D(bad)


def test_amounts_beyond_numeric_19_5_are_refused() -> None:
    with pytest.raises(ValueError, match="too large"):
        to_store(Decimal("100000000000000"))
