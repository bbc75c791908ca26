"""Three demo portfolios shipped with the package, mirroring the original product.

- *Balanced Individual Investor*: 16 US stocks and ETFs (the minimal four-column CSV).
- *Sophisticated High Net Worth*: 29 positions: 23 stocks and ETFs, 3 PRIVATE funds (two with a
  manual mark) and 3 long options.
- *Long/Short Hedge Fund*: 30 positions: 14 longs, 10 shorts (negative quantity), 6 options
  (long puts and calls, two short calls).

Entries run from 2025-06-02 to 2026-04-01 (NYSE trading days; most are at least 260 trading
days before 2026-11-20, so the long analytics windows fill); option expiries are in 2027.
Prices are approximate market levels at entry; the simulator generates its own paths.

`load_demo(db)` imports all three for the owner `demo@sigmasight.local`, creating that user
(not an admin, with a token nobody is shown) if needed. Portfolio import never creates users
otherwise. Idempotent: a portfolio the demo owner already has (active, same name) is kept and
its id returned, so calling it again writes nothing.
"""

from datetime import date
from importlib import resources

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

DEMO_AS_OF = date(2026, 11, 20)
"""The date the demo data was written for; every entry is on or before it."""


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
                existing = create_portfolio(session, owner, name, positions[name])
            ids.append(existing.id)
    return ids
