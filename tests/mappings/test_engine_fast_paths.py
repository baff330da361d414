"""The mapping's fast paths (made once per mapping) give exactly what the general path gives."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mappings import coerce
from mappings.engine import _TEMPLATE_PART, StreamMapping, _Skip, load_mapping

KINDS = ("gp-sql", "gp-ws", "bc", "files")
value = st.one_of(
    st.none(),
    st.text(max_size=8),
    st.sampled_from(["", " ", "1", "3", "7", "Invoice", "Credit Memo", "Draft", "Open", "INV1", " C1 "]),
    st.integers(-5, 20),
    st.decimals(allow_nan=False, allow_infinity=False, places=2, min_value=-1000, max_value=1000),
)


def reference_render(mapping: StreamMapping, template: str, values: dict[str, Any]) -> str | None:
    """Templates as the engine first rendered them (a regex callback per part), the reference."""

    def part(match: Any) -> str:
        value = values.get(match.group(1))
        if match.group(2):
            value = mapping._code(match.group(2), value)
        return "" if value is None else str(value).strip()

    text = _TEMPLATE_PART.sub(part, template).strip()
    literal = _TEMPLATE_PART.sub("", template).strip()
    return None if not text or text == literal else text


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
                assert outcome(renderer, values) == outcome(reference_render, mapping, rule.template, values)
