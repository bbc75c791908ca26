"""Three demo portfolios and the real closes they are valued on, shipped with the package.

- *Balanced Individual Investor*: 16 US stocks and ETFs, among them a bond (BND), gold (GLD),
  REIT (VNQ) and international (EFA) fund (the minimal four-column CSV).
- *Sophisticated High Net Worth*: 29 positions: 23 stocks and ETFs, 3 PRIVATE funds (two with a
  manual mark) and 3 long options.
- *Long/Short Hedge Fund*: 30 positions: 14 longs, 10 shorts (negative quantity), 6 options
  (long puts and calls, two short calls), funded by an inception equity (`DEMO_INCEPTION_EQUITY`).

The market data is `prices.csv.gz`: adjusted daily closes of the 35 symbols the demo holds and
the eight factor ETFs (40 symbols: SPY, IWM and TLT are both), 2022-08-01 to `DEMO_AS_OF`;
README.md here says where they come from.
Entries run from 2024-10-01 to 2026-03-02 at the real close of the entry day; options at their
Black-Scholes value on the underlying's 63-day realized vol that day, expiring in 2027.

`demo_settings()` is what the demo runs on and writes into its home's settings file: the packaged
closes and the partitions of its last `DEMO_DAYS` sessions, to `DEMO_AS_OF`.

`load_demo(db)` imports all three for the owner `demo@sigmasight.local`, creating that user
(not an admin, with a token nobody is shown) if needed. Portfolio import never creates users
otherwise. Idempotent: a portfolio the demo owner already has (active, same name) is kept and
its id returned, so calling it again writes nothing.
"""

from datetime import date
from importlib import resources
from pathlib import Path

from sigmasight_resources import calendar
from sigmasight_resources.db.session import ResultsDB
from sigmasight_resources.portfolio_import import (
    PositionSpec,
    create_portfolio,
    find_active_portfolio,
    parse_positions,
)
from sigmasight_resources.users import ensure_user

DEMO_OWNER_EMAIL = "demo@sigmasight.local"

DEMO_PORTFOLIOS: tuple[tuple[str, str], ...] = (
    ("Balanced Individual Investor", "balanced_individual_investor.csv"),
    ("Sophisticated High Net Worth", "sophisticated_high_net_worth.csv"),
    ("Long/Short Hedge Fund", "long_short_hedge_fund.csv"),
)

DEMO_INCEPTION_EQUITY: dict[str, float] = {"Long/Short Hedge Fund": 8_700_000.0}
"""Starting capital by portfolio name; the others fund each entry by a contribution of its cost.
8.7M plus the fund's P&L to 2026-07-31 (≈ 2.6M) is a NAV of about half its ≈ 22.6M gross
exposure that day: gross leverage ≈ 2."""

DEMO_AS_OF = date(2026, 7, 31)
"""The last close in the packaged prices; every entry and mark is on or before it."""

DEMO_PRICES = Path(__file__).with_name("prices.csv.gz")
"""The packaged price file (long format `date,symbol,close`), read by `CsvMarketData`."""

DEMO_DAYS = calendar.TRADING_DAYS_PER_YEAR
"""The demo covers the last year of packaged trading days, to `DEMO_AS_OF`."""

DEMO_DATA_SOURCE = "packaged real closes (Yahoo Finance adjusted closes, dsturdy/Factor_Attribution)"


def demo_settings() -> dict[str, str]:
    """The settings the demo runs on (by field name): the packaged closes and the partitions of
    its `DEMO_DAYS` sessions, ending where the closes end."""
    return {
        "market_data": f"csv:{DEMO_PRICES}",
        "partitions_start": calendar.previous_sessions(DEMO_AS_OF, DEMO_DAYS - 1).isoformat(),
        "partitions_end": DEMO_AS_OF.isoformat(),
    }


def demo_csv(filename: str) -> bytes:
    """The bytes of a shipped demo CSV."""
    return resources.files(__name__).joinpath(filename).read_bytes()


def demo_positions(today: date | None = None) -> dict[str, list[PositionSpec]]:
    """Validated positions of each demo portfolio, by name."""
    as_of = max(today or date.today(), DEMO_AS_OF)
    return {name: parse_positions(demo_csv(filename), today=as_of) for name, filename in DEMO_PORTFOLIOS}


def load_demo(db: ResultsDB, today: date | None = None) -> list[int]:
    """Import the demo portfolios (skipping those already there) in one transaction; their ids.

    `today` bounds the dates accepted while validating (default: the later of today and
    `DEMO_AS_OF`, so the shipped files always validate).
    """
    positions = demo_positions(today)
    ids = []
    with db.transaction() as session:
        owner = ensure_user(session, DEMO_OWNER_EMAIL, is_admin=False)
        for name, _ in DEMO_PORTFOLIOS:
            existing = find_active_portfolio(session, owner, name)
            if existing is None:
                existing = create_portfolio(
                    session, owner, name, positions[name], inception_equity=DEMO_INCEPTION_EQUITY.get(name)
                )
            ids.append(existing.id)
    return ids
