"""Key ranges of GP Web Services list criteria: how a list cut at its limit is asked again in parts.

A Get…List answer holds at most `list_limit` items, cut silently (the programmer's guide, "Lists of
objects"). When even one day's window is full, the criteria's key restriction (a BetweenRestriction of
string: EqualValue, GreaterThan, LessThan, cc534040) splits it: below a key, the key itself, above it.
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_LIST_LIMIT = 1000  # GP Web Services' documented default
MAX_KEY_SPLITS = 128  # bisections of the key space: separates keys sharing a prefix of 18 characters


@dataclass(frozen=True, slots=True)
class KeyRange:
    """Keys strictly between `above` and `below` (None: unbounded), or exactly `equal`."""

    above: str | None = None
    below: str | None = None
    equal: str | None = None

    def restriction(self) -> dict[str, str]:
        if self.equal is not None:
            return {"EqualValue": self.equal}
        bounds = {"GreaterThan": self.above, "LessThan": self.below}
        return {name: value for name, value in bounds.items() if value is not None}

    def split(self, at: str) -> tuple[KeyRange, KeyRange, KeyRange]:
        """Below `at`, `at` itself, above it: together exactly this range, each part without `at`'s
        neighbours on the other side, so a range holding `at` always shrinks."""
        return KeyRange(self.above, at), KeyRange(equal=at), KeyRange(at, self.below)


def between(above: str | None, below: str | None) -> str | None:
    """A key strictly between two (None: unbounded), in code-point order over printable ASCII — for an
    answer too large to see any key in. None where no such key exists."""
    low, out, bounded = above or "", "", below is not None
    for i in range(64):
        x = ord(low[i]) if i < len(low) else 0x1F  # past the end of `above`: below every character
        y = (ord(below[i]) if i < len(below) else 0x1F) if below is not None and bounded else 0x7F
        if y - x > 1:
            return out + chr((x + y) // 2)
        c = max(x, 0x20)  # the next character: `above`'s own, or the lowest once `above` has ended
        if c > y:
            return None
        bounded = bounded and c == y
        out += chr(c)
    return None
