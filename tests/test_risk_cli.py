"""The CLI side of the risk model: `portfolios import --benchmark`, `portfolios list`, and the risk table of `report`.

Runs on SQLite and PostgreSQL; report rows (snapshot, risk, data_quality) are written here as the assets write them.
"""

import json
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from sigmasight_resources.db.models import Portfolio, Position
from sigmasight_resources.db.results import PortfolioSnapshot
from sigmasight_resources.db.session import ResultsDB
from tests.support.cli import OWNER, cli
from tests.support.risk_rows import quality_row, risk_row

POSITIONS = b"symbol,quantity,entry_price,entry_date\nAAPL,10,180,2025-03-03\nMSFT,-5,400,2025-03-04\n"
DAY, EARLIER = date(2025, 9, 5), date(2025, 9, 4)


def import_csv(tmp_path, name: str, *extra: str, code: int = 0):
    path = tmp_path / "p.csv"
    path.write_bytes(POSITIONS)
    return cli("portfolios", "import", str(path), "--name", name, "--owner", OWNER, "-q", *extra, code=code)


def counts(url: str) -> tuple[int, int]:
    db = ResultsDB(url)
    try:
        with db.transaction() as session:
            return session.scalar(select(func.count(Portfolio.id))), session.scalar(select(func.count(Position.id)))
    finally:
        db.dispose()


def test_import_stores_the_benchmark_and_list_shows_it(cli_url, tmp_path):
    given = int(import_csv(tmp_path, "Tech", "--benchmark", "qqq").stdout)
    default = int(import_csv(tmp_path, "Core").stdout)
    listed = {p["id"]: p["benchmark"] for p in json.loads(cli("portfolios", "list", "--json").stdout)}
    assert listed == {given: "QQQ", default: "SPY"}
    table = cli("portfolios", "list").stdout
    assert "bench" in table and "QQQ" in table and "SPY" in table and "Tech" in table and OWNER in table
    cli("portfolios", "delete", str(given))
    assert "bench" not in cli("portfolios", "list").stdout  # only the default left: no column


@pytest.mark.parametrize("benchmark", ["NOT A TICKER", "SPY1", "", "ÄPPL"])
def test_import_with_a_bad_benchmark_exits_2_naming_the_field_and_writes_nothing(cli_url, tmp_path, benchmark):
    before = counts(cli_url)
    result = import_csv(tmp_path, "Bad", "--benchmark", benchmark, code=2)
    assert "benchmark:" in result.stderr and "nothing was written" in result.stderr
    assert counts(cli_url) == before


def write_day(url: str, portfolio_id: int, day: date, with_risk: bool) -> None:
    """A stored snapshot with its data_quality row, and (`with_risk`) the day's risk row with its own."""
    db = ResultsDB(url)
    try:
        with db.transaction() as session:
            positions = [
                (p.id, p.symbol)
                for p in session.scalars(
                    select(Position).where(Position.portfolio_id == portfolio_id).order_by(Position.id)
                )
            ]
            session.add(
                PortfolioSnapshot(
                    date=day,
                    portfolio_id=portfolio_id,
                    nav=1_000_000.0,
                    long_exposure=1_800.0,
                    short_exposure=-2_000.0,
                    gross_exposure=3_800.0,
                    net_exposure=-200.0,
                    daily_pnl=10.0,
                    daily_return=0.0001,
                    cumulative_pnl=100.0,
                    positions_count=2,
                    run_id="snapshot-run",
                    computed_at=datetime.now(UTC),
                )
            )
            session.add(quality_row(portfolio_id, day, "portfolio_snapshots", "snapshot-run", 2))
            if with_risk:
                session.add(risk_row(portfolio_id, day, positions, "risk-run", benchmark="QQQ"))
                session.add(quality_row(portfolio_id, day, "portfolio_risk", "risk-run", 2))
    finally:
        db.dispose()


def test_report_prints_the_risk_table_and_json_carries_the_section(cli_url, tmp_path):
    pid = int(import_csv(tmp_path, "Risky", "--benchmark", "QQQ").stdout)
    write_day(cli_url, pid, EARLIER, with_risk=False)
    write_day(cli_url, pid, DAY, with_risk=True)
    text = cli("report", str(pid)).stdout
    assert "Ex-ante risk [OK]" in text
    for line in (
        "ex-ante vol",
        "18.00%",
        "factor vol",
        "15.00%",
        "specific vol",
        "9.95%",
        "tracking error vs QQQ",
        "6.10%",
        "parametric VaR 95 (1d)",
        "1.86%",
        "parametric ES 99 (1d)",
        "3.02%",
    ):
        assert line in text, line
    assert "Factor contributions to ex-ante vol" in text and "Low_Vol_Spread" in text
    assert "Position contributions" in text and "AAPL" in text
    risk = json.loads(cli("report", str(pid), "--json").stdout)["risk"]
    assert risk["benchmark"] == "QQQ" and risk["position_contributions_count"] == 2
    assert [c["symbol"] for c in risk["position_contributions"]] == ["AAPL", "MSFT"]

    earlier = cli("report", str(pid), "--date", EARLIER.isoformat()).stdout
    assert "Ex-ante risk [not computed]" in earlier and "tracking error vs n/a" in earlier
    assert "Factor contributions" not in earlier
    assert (
        json.loads(cli("report", str(pid), "--date", EARLIER.isoformat(), "--json").stdout)["risk"]["data_quality"]
        is None
    )
