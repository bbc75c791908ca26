"""GET .../risk, the report's `risk` section and the benchmark setting (upload, PATCH), on SQLite and PostgreSQL.

The risk rows are merged over whatever the seeding wrote (two days of the 30-stock portfolio), and
the first seeded day is cleared, so the tests hold whether or not the pipeline computes the asset yet.
"""

import json
from datetime import date

import pytest
from sqlalchemy import delete, select

from sigmasight_assets.analytics.factors import MODEL_FACTORS
from sigmasight_resources.db.models import Portfolio, Position
from sigmasight_resources.db.report import REPORT_POSITION_CONTRIBUTIONS, build_report
from sigmasight_resources.db.results import DataQuality, PortfolioRisk
from tests.support.api import END, GOOD_CSV, START, upload
from tests.support.risk_rows import quality_row, risk_row

EARLIER = date(2025, 9, 4)  # a seeded day before END with its own risk row
RUNS = {EARLIER: "risk-run-earlier", END: "risk-run-end"}
SECTION_KEYS = [
    "ex_ante_vol",
    "factor_vol",
    "specific_vol",
    "benchmark",
    "tracking_error",
    "factor_contributions",
    "position_contributions",
    "position_contributions_count",
    "parametric_var_95",
    "parametric_var_99",
    "parametric_es_95",
    "parametric_es_99",
    "data_quality",
]


@pytest.fixture(scope="module")
def risk(api):
    """The 30-stock portfolio's risk rows on EARLIER and END (benchmark QQQ on END) and none on START."""
    with api.db.transaction() as session:
        positions = [
            (p.id, p.symbol)
            for p in session.scalars(select(Position).where(Position.portfolio_id == api.thirty).order_by(Position.id))
        ]
        for day, run_id in RUNS.items():
            session.merge(risk_row(api.thirty, day, positions, run_id, benchmark="QQQ" if day == END else "SPY"))
            session.merge(quality_row(api.thirty, day, "portfolio_risk", run_id, len(positions)))
        session.execute(
            delete(PortfolioRisk).where(PortfolioRisk.portfolio_id == api.thirty, PortfolioRisk.date == START)
        )
        session.execute(
            delete(DataQuality).where(
                DataQuality.portfolio_id == api.thirty, DataQuality.date == START, DataQuality.asset == "portfolio_risk"
            )
        )
    api.client.app.state.report_cache.clear()
    return positions


def url(api) -> str:
    return f"/api/v1/portfolios/{api.thirty}/risk"


def test_risk_is_the_latest_day_with_provenance_data_quality_and_every_field(api, risk):
    response = api.get(url(api))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["as_of"] == END.isoformat() and body["portfolio_id"] == api.thirty
    assert body["provenance"]["as_of"] == END.isoformat() and body["provenance"]["run_id"] == RUNS[END]
    assert body["provenance"]["materialized_at"].endswith(("+00:00", "Z"))
    assert body["data_quality"]["flag"] == "OK" and body["data_quality"]["positions_total"] == 30
    assert (body["ex_ante_vol"], body["factor_vol"], body["specific_vol"]) == (0.18, 0.15, 0.0995)
    assert (body["benchmark"], body["tracking_error"]) == ("QQQ", 0.061)
    assert [body[f"parametric_{k}"] for k in ("var_95", "var_99", "es_95", "es_99")] == [0.0186, 0.0264, 0.0234, 0.0302]
    assert list(body["factor_contributions"]) == list(MODEL_FACTORS)
    assert body["factor_contributions"]["Market"] == {"exposure": 1.0, "contribution": 0.02, "pct": 0.1}
    assert body["position_contributions_count"] == 30
    first = body["position_contributions"][0]
    assert (first["position_id"], first["symbol"]) == risk[0] and first["contribution"] == 0.01
    assert body["next_cursor"] is None and len(body["position_contributions"]) == 30


def test_position_contributions_page_largest_first_each_once(api, risk):
    seen, cursor = [], None
    while True:
        params = {"limit": 7, **({"cursor": cursor} if cursor else {})}
        body = api.get(url(api), params=params).json()
        assert len(body["position_contributions"]) <= 7
        seen += body["position_contributions"]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert [(c["position_id"], c["symbol"]) for c in seen] == risk
    sizes = [abs(c["contribution"]) for c in seen]
    assert sizes == sorted(sizes, reverse=True)
    assert api.get(url(api), params={"cursor": "garbage"}).json()["error"]["code"] == "invalid_cursor"
    assert api.get(url(api), params={"limit": 0}).status_code == 422


def test_date_selects_the_row_and_a_day_without_one_is_404(api, risk):
    earlier = api.get(url(api), params={"date": EARLIER.isoformat()}).json()
    assert earlier["as_of"] == EARLIER.isoformat() and earlier["provenance"]["run_id"] == RUNS[EARLIER]
    assert earlier["benchmark"] == "SPY"
    for day in (START.isoformat(), "2025-08-01"):
        missing = api.get(url(api), params={"date": day})
        assert missing.status_code == 404 and missing.json()["error"]["code"] == "result_not_found"
    assert api.get(url(api), params={"date": "not-a-date"}).status_code == 422


def test_owner_and_admin_read_risk_others_get_404_and_no_token_401(api, risk):
    assert api.get(url(api), "admin").status_code == 200
    foreign = api.get(url(api), "other")
    assert foreign.status_code == 404 and foreign.json()["error"]["code"] == "portfolio_not_found"
    assert api.get(url(api), None).status_code == 401


def test_report_risk_section_has_the_top_ten_a_count_and_provenance(api, risk):
    with api.db.transaction() as session:
        report = json.loads(json.dumps(build_report(session, api.thirty, END)))
    section = report["risk"]
    assert list(section) == SECTION_KEYS
    assert section["benchmark"] == "QQQ" and section["ex_ante_vol"] == 0.18
    assert len(section["position_contributions"]) == REPORT_POSITION_CONTRIBUTIONS
    assert section["position_contributions_count"] == 30
    assert section["position_contributions"][0] == {
        "symbol": risk[0][1],
        "weight": pytest.approx(1 / 30),
        "contribution": 0.01,
        "pct": 0.05,
    }
    assert section["data_quality"]["flag"] == "OK"
    assert report["provenance"]["portfolio_risk"]["run_id"] == RUNS[END]
    served = api.get(f"/api/v1/portfolios/{api.thirty}/report", params={"date": END.isoformat()}).json()
    assert served == report


def test_report_of_a_day_without_risk_has_the_section_with_nulls(api, risk):
    with api.db.transaction() as session:
        section = build_report(session, api.thirty, START)["risk"]
    assert list(section) == SECTION_KEYS
    assert section["data_quality"] is None and section["position_contributions"] == []
    assert {k: section[k] for k in SECTION_KEYS if k not in ("factor_contributions", "position_contributions")} == (
        dict.fromkeys(k for k in SECTION_KEYS if k not in ("factor_contributions", "position_contributions"))
    )
    assert section["factor_contributions"] == {
        f: dict.fromkeys(("exposure", "contribution", "pct")) for f in MODEL_FACTORS
    }
    served = api.get(f"/api/v1/portfolios/{api.thirty}/report", params={"date": START.isoformat()}).json()
    assert served["risk"] == json.loads(json.dumps(section))


def test_data_quality_read_lists_the_risk_asset(api, risk):
    items = api.get(f"/api/v1/portfolios/{api.thirty}/data-quality", params={"date": END.isoformat()}).json()["items"]
    assert {"asset": "portfolio_risk", "run_id": RUNS[END]}.items() <= next(
        i for i in items if i["asset"] == "portfolio_risk"
    ).items()


def test_openapi_documents_the_risk_read_with_units(api):
    document = api.client.get("/openapi.json").json()
    assert "get" in document["paths"]["/api/v1/portfolios/{portfolio_id}/risk"]
    fields = document["components"]["schemas"]["RiskPublic"]["properties"]
    assert "annualized" in fields["ex_ante_vol"]["description"]
    assert {"limit", "cursor", "date"} <= {
        p["name"] for p in document["paths"]["/api/v1/portfolios/{portfolio_id}/risk"]["get"]["parameters"]
    }
    assert "risk" in document["components"]["schemas"]["ReportPublic"]["properties"]
    assert (
        "10 largest"
        in document["components"]["schemas"]["ReportRisk"]["properties"]["position_contributions"]["description"]
    )


# ----------------------------------------------------------------------------- benchmark setting


def stored_benchmark(api, portfolio_id: int) -> str | None:
    with api.db.transaction() as session:
        return session.get(Portfolio, portfolio_id).benchmark


def portfolio_count(api) -> int:
    with api.db.transaction() as session:
        return len(session.scalars(select(Portfolio.id)).all())


def patch(api, portfolio_id: int, body: dict, who: str | None = "owner"):
    return api.client.patch(f"/api/v1/portfolios/{portfolio_id}", headers=api.headers(who), json=body)


def test_upload_takes_a_benchmark_and_reads_show_it_spy_by_default(api):
    given = api.post(
        "/api/v1/portfolios",
        data={"name": "benchmarked", "benchmark": " qqq "},
        files={"file": ("p.csv", GOOD_CSV, "text/csv")},
    )
    assert given.status_code == 201, given.text
    assert given.json()["benchmark"] == "QQQ" and stored_benchmark(api, given.json()["id"]) == "QQQ"
    assert api.get(f"/api/v1/portfolios/{given.json()['id']}").json()["benchmark"] == "QQQ"
    default = upload(api, "default benchmark", GOOD_CSV)
    assert default.json()["benchmark"] == "SPY" and stored_benchmark(api, default.json()["id"]) is None
    listed = {p["id"]: p["benchmark"] for p in api.get("/api/v1/portfolios").json()["items"]}
    assert listed[given.json()["id"]] == "QQQ" and listed[api.mixed] == "SPY"


@pytest.mark.parametrize("benchmark", ["NOT A TICKER", "SPY1", "ÄPPL", "TOOLONGX", "S&P"])
def test_an_upload_with_a_bad_benchmark_is_422_naming_the_field_and_writes_nothing(api, benchmark):
    before = portfolio_count(api)
    response = api.post(
        "/api/v1/portfolios",
        data={"name": f"bad {benchmark}", "benchmark": benchmark},
        files={"file": ("p.csv", GOOD_CSV + b"TSLA,0,1,2025-01-02\n", "text/csv")},
    )
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid_import"
    assert {(d["line"], d["field"]) for d in error["details"]} == {(0, "benchmark"), (4, "quantity")}
    assert portfolio_count(api) == before


def test_patch_sets_and_resets_the_benchmark_for_owner_and_admin_only(api):
    pid = upload(api, "patched", GOOD_CSV).json()["id"]
    changed = patch(api, pid, {"benchmark": "iwm"})
    assert changed.status_code == 200, changed.text
    assert changed.json()["benchmark"] == "IWM" and stored_benchmark(api, pid) == "IWM"
    assert patch(api, pid, {}).json()["benchmark"] == "IWM"
    assert patch(api, pid, {"benchmark": "BRK.B"}, "admin").json()["benchmark"] == "BRK.B"
    reset = patch(api, pid, {"benchmark": None})
    assert reset.json()["benchmark"] == "SPY" and stored_benchmark(api, pid) is None
    patch(api, pid, {"benchmark": "IWM"})
    foreign = patch(api, pid, {"benchmark": "QQQ"}, "other")
    assert foreign.status_code == 404 and foreign.json()["error"]["code"] == "portfolio_not_found"
    assert patch(api, pid, {"benchmark": "QQQ"}, None).status_code == 401
    assert stored_benchmark(api, pid) == "IWM"


@pytest.mark.parametrize(
    "body", [{"benchmark": "BAD TICKER"}, {"benchmark": "x" * 40}, {"benchmark": 5}, {"name": "x"}]
)
def test_a_bad_patch_is_422_naming_the_field_and_changes_nothing(api, body):
    pid = upload(api, f"bad patch {len(str(body))} {list(body)[0]}", GOOD_CSV).json()["id"]
    patch(api, pid, {"benchmark": "IWM"})
    response = patch(api, pid, body)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert any(d["field"].split(".")[-1] == list(body)[0] for d in error["details"]), error
    assert stored_benchmark(api, pid) == "IWM"
