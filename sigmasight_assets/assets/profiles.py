"""Company profiles of the universe: reference data on its own schedule, upstream of no analytics asset."""

from datetime import UTC, datetime

import dagster as dg

from sigmasight_assets.pipeline.builder import table_metadata
from sigmasight_assets.pipeline.vendor import VENDOR_RETRY, refused
from sigmasight_resources.db import queries
from sigmasight_resources.db.profiles import CompanyProfile, replace_profiles
from sigmasight_resources.db.resource import ResultsDatabase
from sigmasight_resources.market_data.base import PermanentMarketDataError
from sigmasight_resources.market_data.resource import MarketDataResource


@dg.asset(
    group_name="reference",
    retry_policy=VENDOR_RETRY,
    kinds={"api", "sql"},
    metadata=table_metadata((CompanyProfile,)),
)
def company_profiles(
    context: dg.AssetExecutionContext, db: ResultsDatabase, market_data: MarketDataResource
) -> dg.MaterializeResult:
    """Name, sector, industry and market cap per price symbol of the active positions (option underlyings included).

    From the market data: Polygon's ticker details, the simulator's, or a CSV's sidecar
    `<stem>_profiles.csv` (the demo ships one, without market caps); a CSV without one fails the run.
    """
    with db.transaction() as session:
        symbols = sorted(set(queries.positions_frame(session)["price_symbol"].dropna()))
    try:
        profiles = market_data.company_profiles(symbols)
    except PermanentMarketDataError as exc:
        raise refused(exc, "profiles request") from exc
    with db.transaction() as session:
        written = replace_profiles(session, profiles, market_data.source, context.run_id, datetime.now(UTC))
    unknown = sorted(set(symbols) - set(profiles["symbol"]))
    return dg.MaterializeResult(
        metadata={
            "rows_written": written,
            "symbols_requested": len(symbols),
            "symbols_without_profile": dg.MetadataValue.json(unknown[:100]),
            "sectors": dg.MetadataValue.json(profiles["sector"].fillna("none").value_counts().to_dict()),
        }
    )
