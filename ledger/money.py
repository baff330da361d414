"""Money is `Decimal`, built only here.

GP stores money as numeric(19,5); the ledger keeps the same five decimals so that nothing is lost
between the ERP and the store. Rounding to cents happens only when a figure is shown.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

ZERO = Decimal(0)
ONE = Decimal(1)
STORE_QUANTUM = Decimal("0.00001")  # numeric(19,5), as in GP
CENT = Decimal("0.01")
# numeric(19,5) holds at most 14 digits before the decimal point.
MAX_ABS = Decimal("99999999999999.99999")


def D(value: object) -> Decimal:
    """Build an exact Decimal from str, int, Decimal or float.

    Floats (the SQLite ODBC driver returns numeric(19,5) as float) go through their shortest
    round-tripping repr, so 0.1 becomes Decimal('0.1'), not 0.1000000000000000055511151231257827.

    Raises:
        ValueError: the value is not a finite number.
    """
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, bool):
        raise ValueError(f"{value!r} is not an amount")
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, float):
        result = Decimal(repr(value))
    elif isinstance(value, str):
        text = value.strip()
        if not text:
            raise ValueError("empty amount")
        try:
            result = Decimal(text)
        except InvalidOperation:
            raise ValueError(f"{value!r} is not a number (use '.' as the decimal separator)") from None
    else:
        raise ValueError(f"{value!r} is not an amount")
    if not result.is_finite():
        raise ValueError(f"{value!r} is not a finite number")
    return result


def to_store(value: Decimal) -> Decimal:
    """Round to the store's five decimals, refusing values numeric(19,5) cannot hold."""
    if value.adjusted() > MAX_ABS.adjusted():  # checked first: quantize cannot hold 1e400
        raise ValueError(f"{value} is too large for an amount (at most 14 digits before the point)")
    quantized = value.quantize(STORE_QUANTUM, rounding=ROUND_HALF_UP)
    if abs(quantized) > MAX_ABS:
        raise ValueError(f"{value} is too large for an amount (at most 14 digits before the point)")
    return quantized


def cents(value: Decimal) -> Decimal:
    """Round half up to cents, as on an invoice."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)
