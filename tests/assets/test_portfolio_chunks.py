"""Portfolio-level assets computed one chunk of portfolios at a time store the rows of one chunk
holding them all, and a chunk's size follows the run's length (position × sessions valued)."""

import copy
from datetime import date

from benchmarks.scenarios.pipeline import RESULT_TABLES, STOCKS
from sigmasight_assets.pipeline import scope
from sigmasight_assets.pipeline.book import BOOK_HISTORY
from sigmasight_resources.db.resource import ResultsDatabase
from tests.support.rows import assert_same_rows

START, END = date(2025, 9, 2), date(2025, 9, 30)


def test_one_portfolio_per_chunk_gives_the_rows_of_one_chunk(pipeline, monkeypatch):
    ids = [pipeline.add_portfolio(f"book {i}", copy.deepcopy(STOCKS[: 3 + i])) for i in range(3)]
    assert all(o.success for o in pipeline.run(START, END, ids))
    whole = {t: pipeline.rows(t) for t in RESULT_TABLES}

    monkeypatch.setattr(scope, "CHUNK_POSITION_DAYS", 1)  # every portfolio a chunk of its own
    assert all(o.success for o in pipeline.run(START, END, ids))
    for table in RESULT_TABLES:
        assert_same_rows(pipeline.rows(table), whole[table], table)
        assert whole[table], table


def test_longer_runs_value_fewer_positions_at_a_time(pipeline, db_url, monkeypatch):
    ids = [pipeline.add_portfolio(f"book {i}", copy.deepcopy(STOCKS)) for i in range(4)]  # 5 positions each
    monkeypatch.setattr(scope, "CHUNK_POSITION_DAYS", 10 * (BOOK_HISTORY + 1))  # 10 positions over one day
    db = ResultsDatabase(url=db_url)
    assert [c.portfolios for c in scope.RunScope([END], ids).chunks(db)] == [ids[:2], ids[2:]]
    assert [c.portfolios for c in scope.RunScope([START, END], ids).chunks(db)] == [[i] for i in ids]
