"""The API benchmark's data: 200 portfolios × 60 trading days of every table the report reads.

Written straight into the results DB: materializing 200 portfolios through the asset graph would
take far longer than the measurement and is not what is measured. Shapes and values are
realistic: 10 positions, 12 factors, 18 stress scenarios, a 10 × 10 correlation matrix and the
data_quality rows.
"""

import random
from datetime import UTC, date, datetime

from sqlalchemy import insert

from sigmasight_resources import calendar
from sigmasight_resources.db.models import InvestmentClass, Portfolio, Position, User
from sigmasight_resources.db.results import (
    DataQuality,
    FactorExposure,
    PortfolioBeta,
    PortfolioCorrelation,
    PortfolioSnapshot,
    PortfolioVolatility,
    PositionBeta,
    PositionFactorExposure,
    PositionValue,
    StressResult,
)
from sigmasight_resources.db.session import ResultsDB
from sigmasight_resources.users import hash_token
from sigmasight_resources.vocabulary import FACTORS

PORTFOLIOS, DAYS, POSITIONS, OWNERS = 200, 60, 10, 20
SCENARIOS = 18
ASSETS = (
    "position_values",
    "portfolio_snapshots",
    "position_betas",
    "factor_exposures",
    "portfolio_volatility",
    "correlations",
    "stress_tests",
)


def seed(url: str) -> dict[int, str]:
    """Write users, portfolios, positions and 60 days of every result table; {portfolio id: owner's token}."""
    rng = random.Random(7)
    now = datetime.now(UTC)
    days = calendar.sessions(date(2025, 6, 1), date(2025, 9, 30))[-DAYS:]
    db = ResultsDB(url)
    tokens = {}
    with db.transaction() as session:
        users = []
        for u in range(OWNERS):
            token = f"bench-token-{u:02d}-" + "x" * 24
            users.append(
                (
                    User(email=f"owner{u}@bench.example", is_admin=False, token_hash=hash_token(token), created_at=now),
                    token,
                )
            )
        session.add_all(u for u, _ in users)
        session.flush()
        for p in range(PORTFOLIOS):
            owner, token = users[p % OWNERS]
            portfolio = Portfolio(owner_id=owner.id, name=f"bench {p}", created_at=now)
            portfolio.positions = [
                Position(
                    symbol=f"B{p % 26:02d}{i}",
                    investment_class=InvestmentClass.PUBLIC,
                    quantity=rng.randint(-200, 500) or 1,
                    entry_price=rng.uniform(20, 400),
                    entry_date=date(2025, 1, 2),
                )
                for i in range(POSITIONS)
            ]
            session.add(portfolio)
            session.flush()
            tokens[portfolio.id] = token
    ids = sorted(tokens)
    with db.transaction() as session:
        positions = {
            pid: list(range((pid - ids[0]) * POSITIONS + 1, (pid - ids[0] + 1) * POSITIONS + 1)) for pid in ids
        }
        for pid in ids:
            rows = _rows(rng, pid, positions[pid], days, now)
            for table, records in rows.items():
                session.execute(insert(table), records)
    db.dispose()
    return tokens


def _rows(rng: random.Random, pid: int, position_ids: list[int], days: list[date], now: datetime) -> dict:
    run = f"bench-{pid:04d}-{'0' * 20}"
    prov = {"run_id": run, "computed_at": now}
    out = {
        t: []
        for t in (
            PositionValue,
            PositionBeta,
            PortfolioSnapshot,
            PortfolioBeta,
            FactorExposure,
            PositionFactorExposure,
            PortfolioVolatility,
            PortfolioCorrelation,
            StressResult,
            DataQuality,
        )
    }
    nav, cumulative = 1_000_000.0, 0.0
    symbols = [f"S{pid}{i}" for i in range(len(position_ids))]
    for day in days:
        pnl = rng.gauss(0, 8_000)
        nav += pnl
        cumulative += pnl
        key = {"date": day, "portfolio_id": pid, **prov}
        for position_id, symbol in zip(position_ids, symbols, strict=True):
            value = rng.uniform(-80_000, 200_000)
            out[PositionValue].append(
                {
                    **key,
                    "position_id": position_id,
                    "symbol": symbol,
                    "investment_class": "PUBLIC",
                    "quantity": 100.0,
                    "price": abs(value) / 100,
                    "market_value": value,
                    "exposure": value,
                    "weight": value / nav,
                    "daily_pnl": rng.gauss(0, 900),
                    "underlying_price": None,
                    "delta": None,
                    "gamma": None,
                    "vega": None,
                    "theta": None,
                    "flag": None,
                }
            )
            out[PositionBeta].append(
                {
                    **key,
                    "position_id": position_id,
                    "symbol": symbol,
                    "market_beta": rng.uniform(0.5, 1.6),
                    "ir_beta": rng.uniform(-0.3, 0.3),
                    "n_obs": 90,
                }
            )
            out[PositionFactorExposure].append(
                {
                    **key,
                    "position_id": position_id,
                    "symbol": symbol,
                    "exposure": value,
                    **{
                        f: rng.gauss(0, 0.5)
                        for f in (
                            "market_beta",
                            "ir_beta",
                            "value",
                            "growth",
                            "momentum",
                            "quality",
                            "size",
                            "low_volatility",
                            "growth_value_spread",
                            "momentum_spread",
                            "size_spread",
                            "quality_spread",
                        )
                    },
                }
            )
        out[PortfolioSnapshot].append(
            {
                **key,
                "nav": nav,
                "long_exposure": nav * 1.2,
                "short_exposure": -nav * 0.2,
                "gross_exposure": nav * 1.4,
                "net_exposure": nav,
                "daily_pnl": pnl,
                "daily_return": pnl / nav,
                "cumulative_pnl": cumulative,
                "positions_count": len(position_ids),
            }
        )
        out[PortfolioBeta].append({**key, "market_beta": rng.uniform(0.7, 1.3), "ir_beta": rng.uniform(-0.2, 0.2)})
        out[FactorExposure].extend(
            {**key, "factor": f, "beta": rng.gauss(0, 0.6), "dollar_exposure": rng.gauss(0, 5e5)} for f in FACTORS
        )
        out[PortfolioVolatility].append(
            {
                **key,
                **{
                    f: abs(rng.gauss(0.2, 0.05))
                    for f in ("realized_21d", "realized_63d", "realized_252d", "har_forecast_1d", "har_forecast_21d")
                },
                **{f: -abs(rng.gauss(0.02, 0.005)) * nav for f in ("var_95", "var_99", "es_95", "es_99")},
            }
        )
        matrix = [
            [1.0 if i == j else round(rng.uniform(-0.2, 0.9), 6) for j in range(len(symbols))]
            for i in range(len(symbols))
        ]
        out[PortfolioCorrelation].append(
            {
                **key,
                "average": 0.35,
                "weighted": 0.4,
                "symbols": symbols,
                "matrix": matrix,
                "clusters": [symbols[:4], symbols[4:]],
                "excluded_positions": 0,
                "factor_matrix": {},
            }
        )
        out[StressResult].extend(
            {
                **key,
                "scenario_id": f"scenario_{s:02d}",
                "name": f"Scenario {s}",
                "category": "market",
                "direct_pnl": rng.gauss(-5e4, 2e4),
                "direct_pct": rng.gauss(-0.05, 0.02),
                "correlated_pnl": rng.gauss(-6e4, 2e4),
                "correlated_pct": rng.gauss(-0.06, 0.02),
            }
            for s in range(SCENARIOS)
        )
        out[DataQuality].extend(
            {
                **key,
                "asset": a,
                "flag": "full_history",
                "message": "all positions analyzed",
                "positions_total": len(position_ids),
                "positions_analyzed": len(position_ids),
                "positions_skipped": {},
                "data_days": 252,
            }
            for a in ASSETS
        )
    return out
