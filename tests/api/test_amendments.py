"""POST /portfolios/{id}/amendments (SQLite and PostgreSQL): results deleted from the earliest day touched, the
day-level run queued for a new symbol, status followed; 422 naming line and field with nothing written; owner or
admin only (404 otherwise); 409 while a run writes the portfolio; audited with the caller's id."""

from datetime import date

import dagster as dg
from sqlalchemy import func, select

from sigmasight_assets.pipeline.tags import PORTFOLIO_TAG
from sigmasight_resources.audit import REQUESTED_BY_TAG
from sigmasight_resources.db.models import AuditEntry, ManualMark, Position, User
from sigmasight_resources.db.purge import result_tables_by_day
from tests.support.api import END, GOOD_CSV, START, upload

HEADER = b"symbol,quantity,entry_price,entry_date,exit_date,exit_price\n"
# The seeded mixed portfolio holds MSFT (50 @ 400 since 2025-03-03); NVDA is in nobody's universe.
AMENDMENT = HEADER + b"NVDA,10,120,2025-09-03,,\nMSFT,50,400,2025-03-03,2025-09-04,410\n"


def amend(api, portfolio_id: int, data: bytes, who: str = "owner"):
    files = {"file": ("amend.csv", data, "text/csv")}
    return api.post(f"/api/v1/portfolios/{portfolio_id}/amendments", who, files=files)


def days(api, portfolio_id: int) -> dict[str, list[str]]:
    with api.db.transaction() as session:
        return {
            t.name: sorted(
                d.isoformat()
                for d in session.scalars(select(t.c.date).where(t.c.portfolio_id == portfolio_id).distinct())
            )
            for t in result_tables_by_day()
        }


def written(api, portfolio_id: int) -> tuple:
    """The portfolio's positions and results, the marks, the audit rows and the runs."""
    with api.db.transaction() as session:
        positions = sorted(
            (p.id, p.symbol, p.exit_date, p.exit_price)
            for p in session.scalars(select(Position).where(Position.portfolio_id == portfolio_id))
        )
        marks = session.scalar(select(func.count()).select_from(ManualMark))
        audits = session.scalar(select(func.count()).select_from(AuditEntry))
    return positions, days(api, portfolio_id), marks, audits, len(api.instance.get_runs())


def test_an_amendment_deletes_from_its_earliest_day_queues_the_new_symbols_run_and_is_audited(api):
    seeded = [d.isoformat() for d in (START, date(2025, 9, 3), date(2025, 9, 4), END)]
    assert days(api, api.mixed)["data_quality"] == seeded
    thirty = days(api, api.thirty)

    response = amend(api, api.mixed, AMENDMENT)

    assert response.status_code == 202, response.json()
    body = response.json()
    assert (body["added"], body["exited"], body["marked"], body["recompute_from"]) == (1, 1, 0, "2025-09-03")
    assert [(c["line"], c["action"], c["symbol"]) for c in body["changes"]] == [(2, "add", "NVDA"), (3, "exit", "MSFT")]
    assert body["rows_deleted"] > 0 and body["status_url"] == f"/api/v1/portfolios/{api.mixed}/onboarding"
    after = days(api, api.mixed)
    assert after["data_quality"] == [START.isoformat()] and after["position_values"] == [START.isoformat()]
    assert days(api, api.thirty) == thirty  # the other portfolio keeps every row

    run = api.instance.get_run_by_id(body["day_run"]["run_id"])
    assert body["day_run"]["start"] == "2025-09-03" and run.status is dg.DagsterRunStatus.QUEUED
    with api.db.transaction() as session:
        owner = session.scalar(select(User).where(User.email == "owner@example.com"))
        [row] = session.scalars(select(AuditEntry).where(AuditEntry.action == "portfolio.amend")).all()
        assert (row.actor_id, row.source, row.target) == (owner.id, "api", f"portfolio:{api.mixed}")
        assert row.details["day_run"] == run.run_id and row.details["from"] == "2025-09-03"
    assert run.tags[REQUESTED_BY_TAG] == f"user:{owner.id}" and run.tags[PORTFOLIO_TAG] == str(api.mixed)
    audit = api.get("/api/v1/admin/audit", "admin", params={"action": "portfolio.amend"}).json()["items"]
    assert [(a["actor_id"], a["target"]) for a in audit] == [(owner.id, f"portfolio:{api.mixed}")]

    status = api.get(body["status_url"]).json()  # the queued run is the portfolio's newest
    assert status["status"] == "pending" and status["runs"][0]["run_id"] == run.run_id

    # a second amendment while that run is queued could be computed before it: refused, nothing written
    before = written(api, api.mixed)
    busy = amend(api, api.mixed, HEADER + b"AAPL,100,180,2025-03-03,2025-09-05,190\n")
    assert busy.status_code == 409 and busy.json()["error"]["code"] == "portfolio_busy"
    assert written(api, api.mixed) == before


def test_a_bad_amendment_is_422_naming_line_and_field_and_writes_nothing(api):
    pid = upload(api, "to amend badly", GOOD_CSV).json()["id"]  # AAPL 10 @ 180 since 2025-03-03
    before = written(api, pid)
    bad = HEADER + b"AAPL,10,180,2025-03-03,2025-02-28,190\nNVDA,5,120,2025-03-10,,\nAAPL,10,180,2025-03-03,,\n"
    response = amend(api, pid, bad)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_import" and "nothing was written" in error["message"]
    assert [(d["line"], d["field"]) for d in error["details"]] == [(2, "exit_date"), (4, "row")]
    assert written(api, pid) == before

    empty = amend(api, pid, b"")
    assert empty.status_code == 422 and empty.json()["error"]["details"][0]["field"] == "file"
    assert written(api, pid) == before


def test_only_the_owner_or_an_admin_may_amend(api):
    pid = upload(api, "to amend", GOOD_CSV).json()["id"]
    exit_aapl = HEADER + b"AAPL,10,180,2025-03-03,2025-03-12,190\n"
    before = written(api, pid)
    assert amend(api, pid, exit_aapl, "other").status_code == 404
    assert amend(api, pid, exit_aapl, None).status_code == 401
    assert amend(api, 2**31 - 1, exit_aapl).status_code == 404
    assert written(api, pid) == before

    response = amend(api, pid, exit_aapl, "admin")  # not yet onboarded: the onboarding runs will cover it
    assert response.status_code == 202 and response.json()["day_run"] is None
    with api.db.transaction() as session:
        admin = session.scalar(select(User).where(User.email == "admin@example.com"))
        row = session.scalars(select(AuditEntry).where(AuditEntry.target == f"portfolio:{pid}")).one()
        assert row.actor_id == admin.id and row.actor == "admin@example.com"
        aapl = session.scalars(select(Position).where(Position.portfolio_id == pid, Position.symbol == "AAPL")).one()
        assert (aapl.exit_date, aapl.exit_price) == (date(2025, 3, 12), 190.0)
