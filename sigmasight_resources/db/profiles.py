"""Company profiles (name, sector, industry, market cap) and the sector exposure they give a portfolio.

Profiles are reference data refreshed by their own asset; no analytics asset reads them, so a
profile failure never blocks risk results. The report joins them at read time.
"""

from datetime import date, datetime

import pandas as pd
from sqlalchemy import Double, String, case, delete, func, insert, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from sigmasight_resources.db.models import Base, Position
from sigmasight_resources.db.results import PositionValue, Provenance
from sigmasight_resources.vocabulary import InvestmentClass

PRIVATE_SECTOR = "Private"
UNCLASSIFIED = "Unclassified"  # no profile, or a profile without a sector (ETFs)


class CompanyProfile(Provenance, Base):
    __tablename__ = "company_profiles"

    symbol: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str | None] = mapped_column(String(200))
    sector: Mapped[str | None] = mapped_column(String(100))
    industry: Mapped[str | None] = mapped_column(String(200))
    market_cap: Mapped[float | None] = mapped_column(Double)
    source: Mapped[str] = mapped_column(String(32))


def replace_profiles(session: Session, profiles: pd.DataFrame, source: str, run_id: str, computed_at: datetime) -> int:
    """Store the given symbols' profiles, replacing older ones of the same symbols."""
    rows = [
        {
            "symbol": r.symbol,
            "name": r.name,
            "sector": r.sector,
            "industry": r.industry,
            "market_cap": None if pd.isna(r.market_cap) else float(r.market_cap),
            "source": source,
            "run_id": run_id,
            "computed_at": computed_at,
        }
        for r in profiles.itertuples(index=False)
    ]
    session.execute(delete(CompanyProfile).where(CompanyProfile.symbol.in_([r["symbol"] for r in rows])))
    if rows:
        session.execute(insert(CompanyProfile), rows)
    return len(rows)


def sector_exposure(session: Session, portfolio_id: int, as_of: date) -> list[dict] | None:
    """Exposure and weight (exposure / NAV) per sector on `as_of`, largest first; None without any profile.

    An option counts in its underlying's sector, a private investment in `Private`.
    """
    if session.scalar(select(CompanyProfile.symbol).limit(1)) is None:
        return None
    sector = case(
        (PositionValue.investment_class == InvestmentClass.PRIVATE.value, PRIVATE_SECTOR),
        else_=func.coalesce(CompanyProfile.sector, UNCLASSIFIED),
    ).label("sector")
    query = (
        select(sector, func.sum(PositionValue.exposure), func.sum(PositionValue.weight))
        .join(Position, Position.id == PositionValue.position_id)
        .outerjoin(CompanyProfile, CompanyProfile.symbol == func.coalesce(Position.underlying, PositionValue.symbol))
        .where(PositionValue.portfolio_id == portfolio_id, PositionValue.date == as_of)
        .group_by(sector)
    )
    rows = [{"sector": s, "exposure": exposure, "weight": weight} for s, exposure, weight in session.execute(query)]
    return sorted(rows, key=lambda r: -abs(r["exposure"] or 0.0))
