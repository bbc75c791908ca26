"""Telling a vendor's correction from a re-adjusted history (pure): which stored closes differ beyond the tolerance,
and when they have the shape of a split (the window's earliest sessions, at least two, all by one ratio)."""

from datetime import date

import pandas as pd

from sigmasight_assets.pipeline import revisions

DAYS = [date(2025, 3, d) for d in (10, 11, 12, 13, 14)]


def frame(symbol: str, closes: list[float], days: list[date] = DAYS) -> pd.DataFrame:
    return pd.DataFrame({"symbol": symbol, "date": days[: len(closes)], "close": closes})


def test_only_closes_beyond_the_relative_tolerance_differ():
    stored = frame("AAPL", [100.0, 101.0, 102.0, 103.0])
    fetched = frame("AAPL", [100.0 * (1 + 5e-7), 101.0, 102.0 * 1.01, 103.0, 104.0])  # 03-14 not stored
    changes = revisions.changed_closes(stored, fetched, 1e-6)
    assert list(changes["date"]) == [date(2025, 3, 12)] and changes["stored"].tolist() == [102.0]
    assert revisions.readjusted(changes, stored) == set()
    [found] = revisions.corrections(changes, set())
    assert (found.symbol, found.reason, found.first_date, found.closes["close"].tolist()) == (
        "AAPL",
        "correction",
        date(2025, 3, 12),
        [102.0 * 1.01],
    )


def test_the_earliest_sessions_moved_by_one_ratio_are_a_split():
    stored = frame("MSFT", [400.0, 404.0, 398.0, 201.0])
    fetched = frame("MSFT", [200.0, 202.0, 199.0, 201.0, 203.0])  # 2-for-1 executed on 03-13
    changes = revisions.changed_closes(stored, fetched, 1e-6)
    assert revisions.readjusted(changes, stored) == {"MSFT"}
    assert revisions.corrections(changes, {"MSFT"}) == []


def test_moved_closes_that_are_not_the_earliest_or_not_one_ratio_are_corrections():
    stored = pd.concat([frame("A", [10.0, 11.0, 12.0, 13.0]), frame("B", [10.0, 11.0, 12.0, 13.0])])
    fetched = pd.concat(
        [
            frame("A", [10.0, 11.0 / 2, 12.0 / 2, 13.0]),  # not the window's earliest
            frame("B", [10.0 / 2, 11.0 / 3, 12.0, 13.0]),  # two ratios
        ]
    )
    changes = revisions.changed_closes(stored, fetched, 1e-6)
    assert revisions.readjusted(changes, stored) == set()
    assert [r.symbol for r in revisions.corrections(changes, set())] == ["A", "B"]


def test_a_refetched_history_replaces_every_close_that_differs():
    history = frame("MSFT", [400.0, 404.0, 398.0, 201.0])
    refetched = frame("MSFT", [200.0, 202.0, 199.0, 201.0])
    [split] = revisions.splits(history, refetched, 1e-6)
    assert (split.reason, split.first_date, len(split.closes)) == ("split", date(2025, 3, 10), 3)
    assert revisions.splits(refetched, refetched, 1e-6) == []  # a second run finds nothing
