"""Tokens (revoke, rotate, expiry), who-asked tags and audit rows on launches and cancels, the audit read,
and the unavailable-symbol endpoints, on the seeded API (SQLite and PostgreSQL)."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from sigmasight_resources.db.models import AuditEntry, UnavailableSymbol, User
from sigmasight_resources.db.queries import record_unavailable
from tests.api.test_admin import queued_run


def new_user(api, email: str, **body) -> dict:
    created = api.post("/api/v1/admin/users", "admin", json={"email": email, **body})
    assert created.status_code == 201, created.text
    return created.json()


def me(api, token: str):
    return api.client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})


def admin_id(api) -> int:
    return api.get("/api/v1/me", "admin").json()["id"]


def audit_rows(api, **where) -> list[AuditEntry]:
    with api.db.transaction() as session:
        query = select(AuditEntry).filter_by(**where).order_by(AuditEntry.id)
        rows = list(session.scalars(query))
        session.expunge_all()
    return rows


def test_a_revoked_token_gets_401_at_once_and_is_audited(api):
    user = new_user(api, "revoke-me@example.com")
    assert me(api, user["token"]).status_code == 200
    revoked = api.post(f"/api/v1/admin/users/{user['id']}/revoke", "admin")
    assert revoked.status_code == 200 and revoked.json()["token_revoked_at"]
    refused = me(api, user["token"])
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "token_revoked"
    assert "revoked" in refused.json()["error"]["message"] and user["token"] not in refused.text
    assert refused.headers["WWW-Authenticate"] == "Bearer"
    [row] = audit_rows(api, action="user.revoke", target=f"user:{user['id']}")
    assert (row.actor_id, row.actor, row.source) == (admin_id(api), "admin@example.com", "api")
    # Rotation lifts the revocation with a new token; the revoked one stays refused.
    rotated = api.post(f"/api/v1/admin/users/{user['id']}/rotate-token", "admin").json()
    assert me(api, rotated["token"]).status_code == 200
    assert me(api, user["token"]).status_code == 401


def test_a_rotated_token_old_gets_401_new_gets_200(api):
    user = new_user(api, "rotate-me@example.com")
    rotated = api.post(f"/api/v1/admin/users/{user['id']}/rotate-token", "admin", json={"expires_in_days": 30})
    assert rotated.status_code == 200, rotated.text
    body = rotated.json()
    assert body["token"] != user["token"] and body["id"] == user["id"]
    expires = datetime.fromisoformat(body["token_expires_at"])
    assert timedelta(days=29, hours=23) < expires - datetime.now(UTC) <= timedelta(days=30)
    old = me(api, user["token"])
    assert old.status_code == 401 and old.json()["error"]["code"] == "unauthorized"
    assert me(api, body["token"]).status_code == 200
    [row] = audit_rows(api, action="user.rotate_token", target=f"user:{user['id']}")
    assert row.details["token_expires_at"] and body["token"] not in str(row.details)


def test_an_expired_token_gets_401_with_the_expiry_in_the_message(api):
    user = new_user(api, "expiring@example.com", expires_in_days=1)
    shown = me(api, user["token"]).json()["token_expires_at"]
    assert datetime.fromisoformat(shown) == datetime.fromisoformat(user["token_expires_at"])
    past = datetime.now(UTC) - timedelta(seconds=1)
    with api.db.transaction() as session:
        session.execute(update(User).where(User.id == user["id"]).values(token_expires_at=past))
    expired = me(api, user["token"])
    assert expired.status_code == 401 and expired.json()["error"]["code"] == "token_expired"
    assert f"expired at {past.isoformat()}" in expired.json()["error"]["message"]


def test_token_endpoints_refuse_unknown_users_bad_expiry_self_revoke_and_non_admins(api):
    assert api.post("/api/v1/admin/users/999999/revoke", "admin").json()["error"]["code"] == "user_not_found"
    assert api.post("/api/v1/admin/users/999999/rotate-token", "admin").status_code == 404
    bad = api.post("/api/v1/admin/users", "admin", json={"email": "never@example.com", "expires_in_days": 0})
    assert bad.status_code == 422 and bad.json()["error"]["details"][0]["field"] == "body.expires_in_days"
    own = api.post(f"/api/v1/admin/users/{admin_id(api)}/revoke", "admin")
    assert own.status_code == 409 and own.json()["error"]["code"] == "cannot_revoke_own_token"
    assert api.get("/api/v1/admin/audit", "admin").status_code == 200  # the admin's token still works
    other = api.get("/api/v1/me", "other").json()["id"]
    for path in (f"/api/v1/admin/users/{other}/revoke", f"/api/v1/admin/users/{other}/rotate-token"):
        assert api.post(path, "owner").status_code == 403
    assert api.get("/api/v1/me", "other").status_code == 200
    with api.db.transaction() as session:
        assert session.scalar(select(User.id).where(User.email == "never@example.com")) is None


def test_an_admin_launch_carries_the_admins_id_in_the_run_tag_and_writes_an_audit_row(api):
    body = {"kind": "portfolio", "portfolio_id": api.thirty, "start": "2025-09-02", "end": "2025-09-03", "force": True}
    launched = api.post("/api/v1/admin/runs", "admin", json=body)
    assert launched.status_code == 202, launched.text
    backfill_id = launched.json()["backfill_id"]
    backfill = api.instance.get_backfill(backfill_id)
    assert backfill.tags["sigmasight/requested_by"] == f"user:{admin_id(api)}"  # the daemon copies it onto the runs
    [row] = audit_rows(api, action="run.launch", target=backfill_id)
    assert row.actor_id == admin_id(api) and row.source == "api"
    assert row.details["request"] == {**body, "kind": "portfolio"} and row.details["partitions"] == 16
    canceled = api.post(f"/api/v1/admin/runs/{backfill_id}/cancel", "admin")
    assert canceled.status_code == 202
    [cancel] = audit_rows(api, action="run.cancel", target=backfill_id)
    assert cancel.actor_id == admin_id(api) and cancel.details == {"kind": "backfill", "status": "CANCELING"}


def test_a_canceled_run_is_audited_and_tagged_with_who_canceled_it(api):
    run = queued_run(api, api.mixed)
    assert api.post(f"/api/v1/admin/runs/{run.run_id}/cancel", "admin").status_code == 202
    assert api.instance.get_run_by_id(run.run_id).tags["sigmasight/canceled_by"] == f"user:{admin_id(api)}"
    [row] = audit_rows(api, action="run.cancel", target=run.run_id)
    assert row.details == {"kind": "run", "status": "CANCELED"} and row.actor == "admin@example.com"
    # A refused cancel (already finished) records nothing.
    assert api.post(f"/api/v1/admin/runs/{run.run_id}/cancel", "admin").status_code == 409
    assert len(audit_rows(api, action="run.cancel", target=run.run_id)) == 1


def test_the_audit_read_is_admin_only_filtered_and_paginated(api):
    for who in ("owner", "other"):
        assert api.get("/api/v1/admin/audit", who).status_code == 403
    assert api.get("/api/v1/admin/audit", None).status_code == 401
    for i in range(3):
        new_user(api, f"audited{i}@example.com")
    everything = api.get("/api/v1/admin/audit", "admin", params={"action": "user.create"}).json()["items"]
    created = [e for e in everything if e["details"]["email"].startswith("audited")]
    assert [e["details"]["email"] for e in created] == [f"audited{i}@example.com" for i in (2, 1, 0)]  # newest first
    first = api.get("/api/v1/admin/audit", "admin", params={"action": "user.create", "limit": 1}).json()
    assert first["items"][0]["id"] == everything[0]["id"] and first["next_cursor"]
    second = api.get(
        "/api/v1/admin/audit", "admin", params={"action": "user.create", "limit": 1, "cursor": first["next_cursor"]}
    ).json()
    assert second["items"][0]["id"] == everything[1]["id"]
    target = created[0]["target"]
    assert [e["id"] for e in api.get("/api/v1/admin/audit", "admin", params={"target": target}).json()["items"]] == [
        created[0]["id"]
    ]
    mine = api.get("/api/v1/admin/audit", "admin", params={"actor_id": admin_id(api)}).json()["items"]
    assert mine and all(e["actor_id"] == admin_id(api) for e in mine)
    later = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    assert api.get("/api/v1/admin/audit", "admin", params={"since": later}).json()["items"] == []
    bad = api.get("/api/v1/admin/audit", "admin", params={"action": "nonsense"})
    assert bad.status_code == 422 and bad.json()["error"]["details"][0]["field"] == "query.action"
    reversed_range = api.get("/api/v1/admin/audit", "admin", params={"since": later, "until": "2020-01-01T00:00:00"})
    assert reversed_range.status_code == 422 and reversed_range.json()["error"]["code"] == "invalid_range"


@pytest.fixture
def unavailable(api):
    """Two symbols recorded unavailable: ZZOLD checked 10 days ago (re-check due), ZZNEW just now."""
    now = datetime.now(UTC)
    with api.db.transaction() as session:
        record_unavailable(session, {"ZZOLD": "not in prices.csv"}, now - timedelta(days=10))
        record_unavailable(session, {"ZZNEW": "not in prices.csv"}, now)
    yield
    with api.db.transaction() as session:
        session.query(UnavailableSymbol).filter(UnavailableSymbol.symbol.in_(["ZZOLD", "ZZNEW"])).delete()


def test_unavailable_symbols_are_listed_with_since_and_due_and_cleared_with_an_audit_row(api, unavailable):
    for who in ("owner", "other"):
        assert api.get("/api/v1/admin/symbols/unavailable", who).status_code == 403
        assert api.client.delete("/api/v1/admin/symbols/unavailable/ZZOLD", headers=api.headers(who)).status_code == 403
    listed = {e["symbol"]: e for e in api.get("/api/v1/admin/symbols/unavailable", "admin").json()["items"]}
    assert listed["ZZOLD"]["recheck_due"] is True and listed["ZZOLD"]["sessions_since_check"] >= 5
    assert listed["ZZNEW"]["recheck_due"] is False and listed["ZZNEW"]["sessions_since_check"] <= 1
    assert listed["ZZOLD"]["reason"] == "not in prices.csv" and listed["ZZOLD"]["since"]
    cleared = api.client.delete("/api/v1/admin/symbols/unavailable/zzold", headers=api.headers("admin"))
    assert cleared.status_code == 204
    left = [e["symbol"] for e in api.get("/api/v1/admin/symbols/unavailable", "admin").json()["items"]]
    assert "ZZOLD" not in left and "ZZNEW" in left
    [row] = audit_rows(api, action="symbol.unavailable_clear", target="ZZOLD")
    assert row.actor_id == admin_id(api) and row.details["reason"] == "not in prices.csv"
    again = api.client.delete("/api/v1/admin/symbols/unavailable/ZZOLD", headers=api.headers("admin"))
    assert again.status_code == 404 and again.json()["error"]["code"] == "symbol_not_found"
    bad = api.client.delete("/api/v1/admin/symbols/unavailable/%20x", headers=api.headers("admin"))
    assert bad.status_code == 422 and bad.json()["error"]["details"][0]["field"] == "path.symbol"
    assert len(audit_rows(api, action="symbol.unavailable_clear")) == 1
