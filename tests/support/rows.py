"""Comparing stored rows (`Pipeline.rows`: {column: value}, sorted) between runs that must write the same values."""

import pytest


def assert_same_rows(actual: list[dict], expected: list[dict], label: object = "") -> None:
    """Equal rows; floats equal to 1e-10 relative (windowed sums over different spans differ in the last bits)."""
    assert len(actual) == len(expected), (label, len(actual), len(expected))
    for a, e in zip(actual, expected, strict=True):
        assert a.keys() == e.keys(), (label, a, e)
        for column, x in a.items():
            y = e[column]
            if isinstance(x, float) and isinstance(y, float):
                assert x == pytest.approx(y, rel=1e-10, abs=1e-12), (label, column, a, e)
            else:
                assert x == y, (label, column, a, e)
