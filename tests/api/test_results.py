"""Result reads: owner 200 with provenance and data quality, others 404, no token 401, dates, pages, the report."""

import json

import pytest
from sqlalchemy import event

from sigmasight_assets.runs.in_process import run_range
from sigmasight_resources.db.report import build_report
from tests.support.api import END, START

READS = [
    "report",
    "snapshots",
    "positions",
    "betas",
    "factor-exposures",
    "factor-exposures/positions",
    "volatility",
    "correlations",
    "stress-tests",
    "data-quality",
]


@pytest.mark.parametrize("read", READS)
def test_owner_and_admin_read_others_get_404_and_no_token_401(api, read):
    url = f"/api/v1/portfolios/{api.mixed}/{read}"
    response = api.get(url)
    assert response.status_code == 200, response.text
    body = response.json()
    if read == "snapshots":
        assert len(body["items"]) == 4
        assert all(p["provenance"]["run_id"] and p["data_quality"]["flag"] for p in body["items"])
    elif read == "report":
        assert body["as_of"] == END.isoformat() and body["provenance"]["portfolio_snapshots"]["run_id"]
    else:
        assert body["as_of"] == END.isoformat()
        assert body["provenance"]["run_id"] and body["provenance"]["materialized_at"]
        if read != "data-quality":
            assert body["data_quality"]["positions_total"] >= 1
    assert api.get(url, "admin").status_code == 200
    foreign = api.get(url, "other")
    assert foreign.status_code == 404 and foreign.json()["error"]["code"] == "portfolio_not_found"
    assert api.get(url, None).status_code == 401


@pytest.mark.parametrize("read", [r for r in READS if r != "snapshots"])
def test_date_selects_the_result_and_a_date_without_one_is_404(api, read):
    url = f"/api/v1/portfolios/{api.mixed}/{read}"
    assert api.get(url, params={"date": START.isoformat()}).json()["as_of"] == START.isoformat()
    missing = api.get(url, params={"date": "2025-08-01"})
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "result_not_found"
    assert api.get(url, params={"date": "not-a-date"}).status_code == 422


def test_report_is_the_cli_report_object(api):
    with api.db.transaction() as session:
        expected = json.loads(json.dumps(build_report(session, api.mixed, None)))
    assert api.get(f"/api/v1/portfolios/{api.mixed}/report").json() == expected


def test_positions_page_through_every_position_once(api):
    url = f"/api/v1/portfolios/{api.thirty}/positions"
    seen, cursor = [], None
    while True:
        body = api.get(url, params={"limit": 7, **({"cursor": cursor} if cursor else {})}).json()
        seen += [p["position_id"] for p in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == 30 and seen == sorted(seen)
    assert api.get(url, params={"cursor": "garbage"}).json()["error"]["code"] == "invalid_cursor"


def test_snapshots_filter_by_range_and_page(api):
    url = f"/api/v1/portfolios/{api.mixed}/snapshots"
    body = api.get(url, params={"start": "2025-09-03", "end": "2025-09-04"}).json()
    assert [p["provenance"]["as_of"] for p in body["items"]] == ["2025-09-03", "2025-09-04"]
    first = api.get(url, params={"limit": 3}).json()
    rest = api.get(url, params={"limit": 3, "cursor": first["next_cursor"]}).json()
    assert [p["provenance"]["as_of"] for p in rest["items"]] == [END.isoformat()] and rest["next_cursor"] is None
    assert api.get(url, params={"start": "2025-10-01"}).status_code == 404


def test_options_carry_greeks_and_factor_exposures_list_twelve_factors(api):
    positions = api.get(f"/api/v1/portfolios/{api.mixed}/positions").json()["items"]
    option = next(p for p in positions if p["investment_class"] == "OPTIONS")
    assert option["greeks"]["delta"] is not None
    factors = api.get(f"/api/v1/portfolios/{api.mixed}/factor-exposures").json()["factors"]
    assert len(factors) == 12


def test_report_of_a_30_position_portfolio_is_a_fixed_small_number_of_queries(api):
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    api.client.app.state.report_cache.clear()  # measure the reports as built, not as cached
    event.listen(api.client.app.state.db.engine, "before_cursor_execute", count)
    try:
        for pid in (api.thirty, api.mixed):
            assert api.get(f"/api/v1/portfolios/{pid}/report").status_code == 200
    finally:
        event.remove(api.client.app.state.db.engine, "before_cursor_execute", count)
    per_request = len(statements) // 2
    assert len(statements) == 2 * per_request  # the same count for 30 positions as for 5
    assert per_request <= 14, statements


def test_a_cached_report_is_reused_until_its_results_are_rewritten(api):
    url = f"/api/v1/portfolios/{api.mixed}/report"
    first = api.get(url, params={"date": END.isoformat()}).json()
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(api.client.app.state.db.engine, "before_cursor_execute", count)
    try:
        assert api.get(url, params={"date": END.isoformat()}).json() == first
    finally:
        event.remove(api.client.app.state.db.engine, "before_cursor_execute", count)
    assert len(statements) <= 5, statements  # auth, ownership, two version probes
    outcomes = run_range(api.defs, api.instance, END, END, [api.mixed])
    assert all(o.success for o in outcomes)
    again = api.get(url, params={"date": END.isoformat()}).json()
    assert (
        again["provenance"]["stress_tests"]["run_id"]
        == outcomes[-1].run_id
        != first["provenance"]["stress_tests"]["run_id"]
    )
    assert again["snapshot"] == first["snapshot"]
