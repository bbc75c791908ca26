"""A portfolio-level run whose named portfolios were all deleted before it started writes nothing, and succeeds."""

import copy
from datetime import date

from benchmarks.scenarios.pipeline import STOCKS
from sigmasight_assets.assets import PORTFOLIO_ASSETS
from sigmasight_assets.pipeline.tags import portfolio_range_tags
from sigmasight_assets.runs.in_process import PlannedRun, execute
from sigmasight_resources.portfolio_import import delete_portfolio

START, END = date(2025, 9, 2), date(2025, 9, 5)


def test_every_portfolio_asset_of_a_run_for_deleted_portfolios_writes_nothing(pipeline):
    pid = pipeline.add_portfolio("soon gone", copy.deepcopy(STOCKS))
    assert all(o.success for o in pipeline.run(START, END, [pid]))
    before = {name: pipeline.rows(name) for name in ("stress_tests", "portfolio_snapshots", "data_quality")}
    with pipeline.db.transaction() as session:
        delete_portfolio(session, pid)
    run = PlannedRun("deleted portfolio", PORTFOLIO_ASSETS, portfolio_range_tags(START, END, [pid]))
    outcome = execute(pipeline.defs, pipeline.instance, run)
    assert outcome.success, outcome.failures
    assert {a: o.rows_written for a, o in outcome.assets.items()} == dict.fromkeys(PORTFOLIO_ASSETS, 0)
    assert {name: pipeline.rows(name) for name in before} == before
