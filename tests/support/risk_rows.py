"""`portfolio_risk` rows and their data_quality rows as the asset writes them, for the read tests."""

from datetime import UTC, date, datetime

from sigmasight_resources.db.results import DataQuality, PortfolioRisk
from sigmasight_resources.vocabulary import MODEL_FACTORS


def risk_row(
    portfolio_id: int, day: date, positions: list[tuple[int, str]], run_id: str, benchmark: str = "SPY"
) -> PortfolioRisk:
    """A risk row whose position contributions alternate in sign and shrink, stored largest |contribution| first."""
    contributions = [
        {
            "position_id": pid,
            "symbol": symbol,
            "weight": 1.0 / len(positions),
            "contribution": (-1) ** i * 0.01 / (i + 1),
            "pct": (-1) ** i * 0.05 / (i + 1),
        }
        for i, (pid, symbol) in enumerate(positions)
    ]
    factors = {
        name: {"exposure": 1.0 - 0.1 * i, "contribution": 0.02 / (i + 1), "pct": 0.1 / (i + 1)}
        for i, name in enumerate(MODEL_FACTORS)
    }
    return PortfolioRisk(
        date=day,
        portfolio_id=portfolio_id,
        ex_ante_vol=0.18,
        factor_vol=0.15,
        specific_vol=0.0995,
        benchmark=benchmark,
        tracking_error=0.061,
        factor_contributions=factors,
        position_contributions=contributions,
        parametric_var_95=0.0186,
        parametric_var_99=0.0264,
        parametric_es_95=0.0234,
        parametric_es_99=0.0302,
        run_id=run_id,
        computed_at=datetime.now(UTC),
    )


def quality_row(portfolio_id: int, day: date, asset: str, run_id: str, positions: int) -> DataQuality:
    return DataQuality(
        date=day,
        portfolio_id=portfolio_id,
        asset=asset,
        flag="OK",
        message="",
        positions_total=positions,
        positions_analyzed=positions,
        positions_skipped={},
        data_days=252,
        run_id=run_id,
        computed_at=datetime.now(UTC),
    )
