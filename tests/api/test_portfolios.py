"""Auth, ownership, listing, soft delete and CSV upload (422 with every problem, 413, nothing written)."""

import pytest
from sqlalchemy import func, select

from sigmasight_resources.db.models import Portfolio, Position
from sigmasight_resources.portfolio_import import MAX_IMPORT_BYTES
from tests.support.api import GOOD_CSV, upload
from tests.support.bad_csv import corpus_bytes, corpus_names


def counts(api) -> tuple[int, int]:
    with api.db.transaction() as session:
        return session.scalar(select(func.count(Portfolio.id))), session.scalar(select(func.count(Position.id)))


def test_me_answers_the_token_owner_and_401_without_or_with_a_bad_token(api):
    assert api.get("/api/v1/me").json()["email"] == "owner@example.com"
    assert api.get("/api/v1/me", "admin").json()["is_admin"] is True
    missing = api.get("/api/v1/me", None)
    assert missing.status_code == 401 and missing.json()["error"]["code"] == "unauthorized"
    assert missing.headers["www-authenticate"] == "Bearer"
    bad = api.client.get("/api/v1/me", headers={"Authorization": "Bearer not-a-token"})
    assert bad.status_code == 401 and "not-a-token" not in bad.text


def test_listing_shows_own_portfolios_and_all_to_an_admin(api):
    own = {p["id"] for p in api.get("/api/v1/portfolios").json()["items"]}
    assert {api.mixed, api.thirty} <= own
    assert api.get("/api/v1/portfolios", "other").json()["items"] == []
    assert {api.mixed, api.thirty} <= {p["id"] for p in api.get("/api/v1/portfolios", "admin").json()["items"]}
    first = api.get("/api/v1/portfolios", params={"limit": 1}).json()
    second = api.get("/api/v1/portfolios", params={"limit": 1, "cursor": first["next_cursor"]}).json()
    assert first["items"][0]["id"] < second["items"][0]["id"]
    assert api.get("/api/v1/portfolios", None).status_code == 401


def test_a_portfolio_is_visible_to_owner_and_admin_and_404_to_anyone_else(api):
    url = f"/api/v1/portfolios/{api.mixed}"
    body = api.get(url).json()
    assert body["positions"] == 5 and body["name"] == "mixed"
    assert api.get(url, "admin").status_code == 200
    foreign, missing = api.get(url, "other"), api.get("/api/v1/portfolios/999999", "other")
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json()["error"]["code"] == missing.json()["error"]["code"] == "portfolio_not_found"
    assert api.get(url, None).status_code == 401


def test_upload_creates_the_portfolio_and_points_to_its_status(api):
    response = upload(api, "uploaded", GOOD_CSV)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["positions"] == 2 and body["status_url"] == f"/api/v1/portfolios/{body['id']}/onboarding"
    assert response.headers["location"] == f"/api/v1/portfolios/{body['id']}"
    assert api.get(f"/api/v1/portfolios/{body['id']}").json()["positions"] == 2
    taken = upload(api, "uploaded", GOOD_CSV)
    assert taken.status_code == 409 and taken.json()["error"]["code"] == "portfolio_name_taken"


@pytest.mark.parametrize("name", corpus_names())
def test_a_bad_csv_is_422_listing_every_problem_with_its_line_and_nothing_is_written(api, name):
    before = counts(api)
    response = upload(api, f"bad {name}", corpus_bytes(name))
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid_import" and error["details"]
    assert all(isinstance(d["line"], int) and d["field"] and d["message"] for d in error["details"])
    assert counts(api) == before


def test_problems_on_several_lines_are_all_reported(api):
    data = (
        b"symbol,quantity,entry_price,entry_date\nAAPL,abc,180,2025-03-03\nMSFT,5,-1,2025-03-04\nXOM,1,1,2999-01-01\n"
    )
    details = upload(api, "several", data).json()["error"]["details"]
    assert {(d["line"], d["field"]) for d in details} == {(2, "quantity"), (3, "entry_price"), (4, "entry_date")}


def test_an_oversized_upload_is_413_and_nothing_is_written(api):
    before = counts(api)
    big = GOOD_CSV + b"AAPL,1,1,2025-03-03\n" * (MAX_IMPORT_BYTES // 20 + 10)
    response = upload(api, "big", big)
    assert response.status_code == 413 and response.json()["error"]["code"] == "payload_too_large"

    def chunks():  # no Content-Length: the limit is enforced while the body streams
        yield b"x" * (MAX_IMPORT_BYTES // 2)
        yield b"x" * MAX_IMPORT_BYTES

    streamed = api.client.post(
        "/api/v1/portfolios",
        headers={**api.headers("owner"), "Content-Type": "multipart/form-data; boundary=b"},
        content=chunks(),
    )
    assert streamed.status_code == 413 and streamed.json()["error"]["code"] == "payload_too_large"
    assert counts(api) == before


def test_delete_is_soft_owner_only_and_then_404(api):
    pid = upload(api, "to delete", GOOD_CSV).json()["id"]
    url = f"/api/v1/portfolios/{pid}"
    assert api.client.delete(url, headers=api.headers("other")).status_code == 404
    assert api.client.delete(url).status_code == 401
    assert api.client.delete(url, headers=api.headers("owner")).status_code == 204
    assert api.get(url).status_code == 404
    with api.db.transaction() as session:
        assert session.get(Portfolio, pid).deleted_at is not None
