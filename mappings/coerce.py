"""Turn one source value into the ledger field's type, or say exactly what is wrong with it."""

from __future__ import annotations

import datetime as dt
import enum
import re
from decimal import Decimal
from typing import Any

from ledger.money import D, to_store

GP_EMPTY_DATE = dt.date(1900, 1, 1)
_TRUE = {"1", "true", "yes", "y", "t", "x"}
_FALSE = {"0", "false", "no", "n", "f", ""}
MAX_TEXT = 1000
_CONTROL = re.compile("[\x00-\x08\x0a-\x1f]")  # control characters other than tab


class BadValue(ValueError):
    """The value cannot become the field's type; the message says why, for the quarantine."""


def show(value: Any) -> str:
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 60 else text[:57] + "..."


def to_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, Decimal | int) and not isinstance(value, bool):
        text = str(value)
    elif isinstance(value, str):
        text = value.strip()
    else:
        text = str(value).strip()
    if _CONTROL.search(text):
        raise BadValue(f"{show(value)} contains control characters")
    if len(text) > MAX_TEXT:
        raise BadValue(f"text of {len(text)} characters is longer than {MAX_TEXT}")
    return text or None


def to_money(value: Any) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        if type(value) is Decimal and value.is_finite():
            return to_store(value)  # what the connectors give: straight to the store's precision
        return to_store(D(value))
    except ValueError as exc:
        raise BadValue(f"{show(value)}: {exc}") from None


def to_date(value: Any) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        day = value.date()
    elif isinstance(value, dt.date):
        day = value
    elif isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        try:
            day = (
                dt.date.fromisoformat(text[:10])
                if len(text) >= 10 and text[10:11] in ("", " ", "T")
                else dt.date.fromisoformat(text)
            )
        except ValueError:
            raise BadValue(f"{show(value)} is not a date (use YYYY-MM-DD)") from None
    else:
        raise BadValue(f"{show(value)} is not a date")
    if day == GP_EMPTY_DATE:
        return None  # GP's way of saying "no date"
    if not (1950 <= day.year <= 2199):
        raise BadValue(f"{day.isoformat()} is outside the years 1950-2199")
    return day


def to_int(value: Any) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise BadValue(f"{show(value)} is not a whole number")
    if isinstance(value, int):
        if abs(value) > 2**31 - 1:  # the store's INTEGER; a bigger one would fail the whole chunk
            raise BadValue(f"{show(value)} is too large")
        return value
    try:
        number = D(value)
    except ValueError:
        raise BadValue(f"{show(value)} is not a whole number") from None
    if number != number.to_integral_value():
        raise BadValue(f"{show(value)} is not a whole number")
    if abs(number) > 2**31 - 1:
        raise BadValue(f"{show(value)} is too large")
    return int(number)


def to_bool(value: Any) -> bool | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, Decimal) and not value.is_finite():
        raise BadValue(f"{show(value)} is not yes/no")
    if isinstance(value, int | Decimal):
        return value != 0
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return None if text == "" else False
    raise BadValue(f"{show(value)} is not yes/no (use 1 or 0, true or false)")


def to_enum(value: Any, enum_type: type[enum.StrEnum]) -> enum.StrEnum | None:
    if value is None:
        return None
    text = str(value).strip().lower().replace(" ", "_").replace("-", "_")
    if not text:
        return None
    try:
        return enum_type(text)
    except ValueError:
        known = ", ".join(e.value for e in enum_type)
        raise BadValue(f"{show(value)} is not one of: {known}") from None
