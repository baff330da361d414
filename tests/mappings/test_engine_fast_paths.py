"""The mapping's fast paths (made once per mapping) give exactly what the general path gives."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mappings import coerce
from mappings.engine import _Skip, load_mapping

KINDS = ("gp-sql", "gp-ws", "bc", "files")
value = st.one_of(
    st.none(),
    st.text(max_size=8),
    st.sampled_from(["", " ", "1", "3", "7", "Invoice", "Credit Memo", "Draft", "Open", "INV1", " C1 "]),
    st.integers(-5, 20),
    st.decimals(allow_nan=False, allow_infinity=False, places=2, min_value=-1000, max_value=1000),
)


def outcome(function: Any, *args: Any) -> tuple[str, Any]:
    try:
        return "value", function(*args)
    except _Skip:
        return "skip", None
    except (coerce.BadValue, ValueError, ArithmeticError, TypeError) as exc:
        return "error", str(exc)


@pytest.mark.parametrize("kind", KINDS)
@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_every_field_reader_equals_the_general_path(kind: str, data: st.DataObject) -> None:
    for mapping in load_mapping(kind).streams.values():
        values = data.draw(st.fixed_dictionaries({c: value for c in mapping.columns()}))
        for _name, rule, read in mapping._readers:
            assert outcome(read, values) == outcome(mapping._value, rule, values), (mapping.stream, rule)
            if rule.template:
                renderer = mapping._template_renderer(rule.template)
                assert outcome(renderer, values) == outcome(mapping._render, rule.template, values)
