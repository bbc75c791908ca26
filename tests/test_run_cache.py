"""What the results-DB resource keeps for one run: closes (what it returns equals a direct read, and a
span it already covers is read again only for the symbols it lacks) and memoized values (built once
per key, each call its own copy, nothing left after the run)."""

from datetime import UTC, date, datetime
from pathlib import Path

import dagster as dg
import numpy as np
import pandas as pd
import pytest

from sigmasight_resources import calendar
from sigmasight_resources.db import queries
from sigmasight_resources.db import resource as resource_module
from sigmasight_resources.db.resource import ResultsDatabase

SYMBOLS = ["AAA", "BBB", "CCC", "DDD", "EEE"]
DAYS = calendar.sessions(date(2024, 1, 2), date(2024, 4, 30))


def stored_rows() -> pd.DataFrame:
    """The closes the fixture stores: about one (symbol, day) in ten missing."""
    rng = np.random.default_rng(5)
    return pd.DataFrame(
        [(s, d, float(rng.uniform(10, 100))) for s in SYMBOLS for d in DAYS if rng.uniform() > 0.1],
        columns=["symbol", "date", "close"],
    )


@pytest.fixture
def database(db_url):
    rows = stored_rows()
    resource = ResultsDatabase(url=db_url)
    resource.setup_for_execution(dg.build_init_resource_context())
    with resource.transaction() as session:
        queries.insert_prices(session, rows, "test", datetime(2024, 5, 1, tzinfo=UTC))
    yield resource
    resource.teardown_after_execution(dg.build_init_resource_context())


def direct(resource: ResultsDatabase, symbols: list[str], start: date, end: date) -> pd.DataFrame:
    with resource.transaction() as session:
        return queries.closes(session, symbols, start, end, calendar.sessions(start, end))


def test_a_direct_read_is_the_pivot_of_the_stored_rows(database):
    rows = stored_rows()
    symbols, start, end = ["EEE", "AAA", "CCC", "ZZZ"], DAYS[3], DAYS[-4]  # ZZZ has no closes
    expected = rows.assign(date=pd.to_datetime(rows["date"])).pivot(index="date", columns="symbol", values="close")
    index = pd.DatetimeIndex(pd.to_datetime(calendar.sessions(start, end)), name="date")
    expected = expected.reindex(index=index, columns=pd.Index(sorted(symbols), name="symbol"))
    pd.testing.assert_frame_equal(direct(database, symbols, start, end), expected)


def test_cached_closes_equal_a_direct_read_and_read_each_symbol_once(database, monkeypatch):
    reads: list[tuple[tuple[str, ...], date, date]] = []
    read = queries.closes

    def counted(session, symbols, start, end, days):
        reads.append((tuple(sorted(set(symbols))), start, end))
        return read(session, symbols, start, end, days)

    monkeypatch.setattr(resource_module.queries, "closes", counted)
    requests = [
        (["BBB", "AAA"], DAYS[0], DAYS[-1]),
        (["CCC", "BBB"], DAYS[10], DAYS[40]),  # inside the first span: only CCC is read, over that span
        (["AAA", "DDD", "CCC"], DAYS[0], DAYS[-1]),
        (["EEE"], DAYS[5], date(2024, 5, 31)),  # beyond the first span: a span of its own
        (["EEE"], DAYS[20], DAYS[30]),  # both spans cover it: the one holding EEE serves it
    ]
    for symbols, start, end in requests:
        got = database.closes(symbols, start, end)
        monkeypatch.setattr(resource_module.queries, "closes", read)
        pd.testing.assert_frame_equal(got, direct(database, symbols, start, end))
        monkeypatch.setattr(resource_module.queries, "closes", counted)
    assert reads == [
        (("AAA", "BBB"), DAYS[0], DAYS[-1]),
        (("CCC",), DAYS[0], DAYS[-1]),
        (("DDD",), DAYS[0], DAYS[-1]),
        (("EEE",), DAYS[5], date(2024, 5, 31)),
    ]


def test_memoized_values_are_built_once_per_key_and_gone_after_the_run(database):
    built = []

    def build(key: str) -> pd.DataFrame:
        built.append(key)
        return pd.DataFrame({"key": [key] * 3, "value": np.arange(3.0)})

    first = database.memoized("a", lambda: build("a"))
    again = database.memoized("a", lambda: build("a"))
    other = database.memoized("b", lambda: build("b"))
    assert built == ["a", "b"]
    pd.testing.assert_frame_equal(again, first)
    assert again is not first and other["key"].tolist() == ["b"] * 3
    again.loc[0, "value"] = 99.0  # a caller's change stays its own
    assert database.memoized("a", lambda: build("a")).loc[0, "value"] == 0.0
    folder = Path(database._spill.name)
    assert len(list(folder.iterdir())) == 2
    database.teardown_after_execution(dg.build_init_resource_context())
    assert not folder.exists()
