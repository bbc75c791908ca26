"""Capital over the API: inception equity on upload, the cash-flow endpoints, cash and leverage in the reads."""

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from sigmasight_resources.db.models import CashFlow, Portfolio
from sigmasight_resources.db.report import SNAPSHOT_FIELDS
from sigmasight_resources.portfolio_import import MAX_IMPORT_BYTES
from tests.support.api import GOOD_CSV

CAPITAL = ("cash", "gross_leverage", "net_leverage", "external_flow")
FLOWS = b"date,amount\n2025-03-03,250000\n2025-06-30,-50000.5\n"


def counts(api) -> tuple[int, int]:
    with api.db.transaction() as session:
        return session.scalar(select(func.count(Portfolio.id))), session.scalar(select(func.count(CashFlow.id)))


def upload(api, name: str, equity=None, who: str = "owner"):
    data = {"name": name} if equity is None else {"name": name, "equity": equity}
    return api.post("/api/v1/portfolios", who, data=data, files={"file": ("p.csv", GOOD_CSV, "text/csv")})


def post_flows(api, portfolio_id: int, data: bytes, who: str = "owner"):
    return api.post(
        f"/api/v1/portfolios/{portfolio_id}/cash-flows", who, files={"file": ("flows.csv", data, "text/csv")}
    )


def test_upload_stores_the_inception_equity_and_the_reads_show_it(api):
    created = upload(api, "funded", "1000000")
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["inception_equity"] == 1_000_000.0
    assert api.get(f"/api/v1/portfolios/{body['id']}").json()["inception_equity"] == 1_000_000.0
    listed = {p["id"]: p["inception_equity"] for p in api.get("/api/v1/portfolios").json()["items"]}
    assert listed[body["id"]] == 1_000_000.0 and listed[api.mixed] is None
    unfunded = upload(api, "unfunded").json()
    assert unfunded["inception_equity"] is None


@pytest.mark.parametrize("equity", ["0", "-5", "inf", "NaN", "2e15"])
def test_a_bad_equity_is_422_naming_the_field_and_nothing_is_written(api, equity):
    before = counts(api)
    response = upload(api, f"bad equity {equity}", equity)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid_import"
    assert [(d["line"], d["field"]) for d in error["details"]] == [(0, "equity")]
    assert counts(api) == before


def test_a_non_numeric_equity_is_a_validation_error_naming_the_field(api):
    before = counts(api)
    response = upload(api, "words", "a million")
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "validation_error" and [d["field"] for d in error["details"]] == ["body.equity"]
    assert counts(api) == before


def test_cash_flows_are_recorded_listed_and_paginated(api):
    pid = upload(api, "with flows", "500000").json()["id"]
    assert api.get(f"/api/v1/portfolios/{pid}/cash-flows").json() == {"items": [], "next_cursor": None}
    response = post_flows(api, pid, FLOWS)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["portfolio_id"] == pid and body["count"] == 2
    assert [(f["date"], f["amount"]) for f in body["items"]] == [("2025-03-03", 250000.0), ("2025-06-30", -50000.5)]
    assert all(datetime.fromisoformat(f["created_at"]).utcoffset() == timedelta(0) for f in body["items"])
    assert api.get(f"/api/v1/portfolios/{pid}/cash-flows").json()["items"] == body["items"]

    assert post_flows(api, pid, b"date,amount\n2025-07-01,10\n", "admin").status_code == 201
    first = api.get(f"/api/v1/portfolios/{pid}/cash-flows", params={"limit": 2}).json()
    rest = api.get(f"/api/v1/portfolios/{pid}/cash-flows", params={"limit": 2, "cursor": first["next_cursor"]}).json()
    assert [f["amount"] for f in first["items"] + rest["items"]] == [250000.0, -50000.5, 10.0]
    assert rest["next_cursor"] is None


def test_cash_flows_are_404_to_anyone_but_the_owner_or_an_admin(api):
    before = counts(api)
    url = f"/api/v1/portfolios/{api.mixed}/cash-flows"
    for response in (
        post_flows(api, api.mixed, FLOWS, "other"),
        api.get(url, "other"),
        post_flows(api, 999_999, FLOWS),
    ):
        assert response.status_code == 404 and response.json()["error"]["code"] == "portfolio_not_found"
    assert api.get(url, None).status_code == 401
    assert api.get(url, "admin").status_code == 200
    assert counts(api) == before


def test_a_bad_cash_flow_file_is_422_listing_every_problem_and_nothing_is_written(api):
    pid = upload(api, "bad flows").json()["id"]
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    data = f"date,amount\n2025-01-02,100\n{tomorrow},0\n2025-01-03,inf\nsoon,abc\n".encode()
    before = counts(api)
    response = post_flows(api, pid, data)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid_import" and error["message"].startswith("5 problem(s)")
    assert [(d["line"], d["field"]) for d in error["details"]] == [
        (3, "date"),
        (3, "amount"),
        (4, "amount"),
        (5, "date"),
        (5, "amount"),
    ]
    missing = post_flows(api, pid, b"date\n2025-01-02\n").json()["error"]["details"]
    assert [(d["line"], d["field"]) for d in missing] == [(1, "amount")]
    empty = post_flows(api, pid, b"").json()["error"]["details"]
    assert [(d["line"], d["field"]) for d in empty] == [(0, "file")]
    too_big = post_flows(api, pid, b"date,amount\n" + b"2025-01-02,1\n" * (MAX_IMPORT_BYTES // 13 + 1))
    assert too_big.status_code == 413
    assert counts(api) == before


def test_snapshots_and_the_report_carry_cash_nav_and_leverage(api):
    points = api.get(f"/api/v1/portfolios/{api.mixed}/snapshots").json()["items"]
    assert points
    for point in points:
        assert all(point[f] is None or isinstance(point[f], float) for f in ("nav", *CAPITAL))
    report = api.get(f"/api/v1/portfolios/{api.mixed}/report").json()
    assert set(CAPITAL) <= report["snapshot"].keys()
    assert {f: report["snapshot"][f] for f in SNAPSHOT_FIELDS} == {f: points[-1][f] for f in SNAPSHOT_FIELDS}
    documented = api.client.get("/openapi.json").json()["components"]["schemas"]
    for model in ("SnapshotPoint", "ReportSnapshot"):
        assert all(documented[model]["properties"][f].get("description") for f in ("nav", *CAPITAL))
