"""What a portfolio lacks and how the lacking days batch into runs: `missing_days` and `contiguous_blocks`
(sigmasight_assets/automation/planning.py) on small inputs, against answers worked out on the NYSE calendar.

September 2025: Labor Day (Monday the 1st) is closed, the 6th and 7th are a weekend.
"""

from datetime import date

from sigmasight_assets.automation.planning import contiguous_blocks, missing_days

READY = {"2025-09-05", "2025-09-02", "2025-09-04", "2025-09-03"}  # unordered, as the instance answers


def test_missing_days_are_ready_days_since_first_entry_or_start_that_are_not_done():
    first_entry = {
        "1": date(2025, 9, 3),  # entered mid-range
        "2": date(2025, 1, 2),  # every ready day done
        "3": date(2025, 9, 10),  # entered after every ready day
        "4": date(2024, 6, 3),  # entered before `start`: clamped to it
    }
    done = {"1": {"2025-09-04"}, "2": set(READY), "4": {"2025-09-02"}}
    assert missing_days(first_entry, READY, done, date(2025, 9, 3)) == {
        "1": ["2025-09-03", "2025-09-05"],
        "4": ["2025-09-03", "2025-09-04", "2025-09-05"],
    }


def test_missing_days_counts_the_first_entry_day_and_a_portfolio_with_nothing_done():
    assert missing_days({"7": date(2025, 9, 4)}, READY, {}, date(2025, 1, 2)) == {"7": ["2025-09-04", "2025-09-05"]}
    assert missing_days({}, READY, {}, date(2025, 1, 2)) == {}
    assert missing_days({"7": date(2025, 9, 4)}, [], {}, date(2025, 1, 2)) == {}


def test_contiguous_blocks_join_consecutive_sessions_across_weekends_and_holidays():
    days = ["2025-08-28", "2025-08-29", "2025-09-02", "2025-09-04", "2025-09-05", "2025-09-08", "2025-09-10"]
    assert contiguous_blocks(days) == [
        ("2025-08-28", "2025-09-02"),  # Friday, then Labor Day weekend: the 2nd is the next session
        ("2025-09-04", "2025-09-08"),  # Thursday to Monday
        ("2025-09-10", "2025-09-10"),
    ]


def test_contiguous_blocks_of_one_day_and_of_none():
    assert contiguous_blocks(["2025-09-03"]) == [("2025-09-03", "2025-09-03")]
    assert contiguous_blocks(["2025-09-02", "2025-09-04"]) == [
        ("2025-09-02", "2025-09-02"),
        ("2025-09-04", "2025-09-04"),
    ]
    assert contiguous_blocks([]) == []
