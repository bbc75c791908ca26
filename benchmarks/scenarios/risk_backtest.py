"""Backtests of the stored risk figures on real closes: stress, ex-ante vol, VaR, risk contributions.

Shared by `benchmarks/risk_backtest.py` and `tests/assets/test_risk_backtest.py`: build real-ticker
books held from `ENTRY_DATE` at that day's close, materialize a range through the product (CSV
market data, SQLite results DB, in-memory Dagster instance), read the stored rows back and measure
them with the pure statistics below.
"""

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import dagster as dg
import numpy as np
import pandas as pd
from scipy import stats
from scipy.special import xlogy
from sqlalchemy import select

from sigmasight_assets.analytics.stress import load_scenarios
from sigmasight_assets.definitions import build_definitions
from sigmasight_assets.runs.in_process import PlannedRun, RunOutcome, run_range
from sigmasight_resources import calendar
from sigmasight_resources.db.engine import migrate
from sigmasight_resources.db.models import InvestmentClass, MarketPrice
from sigmasight_resources.db.results import PortfolioRisk, PortfolioSnapshot, PortfolioVolatility, StressResult
from sigmasight_resources.db.session import ResultsDB
from sigmasight_resources.market_data.csv_provider import CsvMarketData
from sigmasight_resources.portfolio_import import PositionSpec, create_portfolio
from sigmasight_resources.settings import load_settings
from sigmasight_resources.users import ensure_user

ENTRY_DATE = date(2019, 12, 31)
MARKET = "SPY"
STRESS_SCENARIO = next(s for s in load_scenarios() if s.name == "Market -5%")
STRESS_SHOCK = STRESS_SCENARIO.shocks["Market_Beta"]  # -0.05
STRESS_DAYS = 25
VAR_LEVELS = (0.95, 0.99)
CHI2_1_AT_5PCT = float(stats.chi2.ppf(0.95, 1))  # 3.84
RATIO_BAND = (0.85, 1.15)
CONTRIBUTION_TOLERANCE = 1e-10
OWNER = "backtest@sigmasight.local"


@dataclass(frozen=True)
class Book:
    """A real-ticker portfolio: dollars per symbol at `ENTRY_DATE` (negative = short), optional equity."""

    name: str
    dollars: dict[str, float]
    inception_equity: float | None = None


BOOKS = (
    Book(
        "Long-only equity",
        {s: 100_000.0 for s in ("AAPL", "MSFT", "NVDA", "AMZN", "GOOGL", "JPM", "JNJ", "XOM", "PG", "KO")},
    ),
    Book(
        "Balanced (stocks, bonds, gold, REIT)",
        {
            **{s: 70_000.0 for s in ("AAPL", "MSFT", "JPM", "JNJ", "PG", "XOM")},
            "TLT": 200_000.0,
            "IEF": 150_000.0,
            "GLD": 130_000.0,
            "VNQ": 100_000.0,
        },
    ),
    Book(
        "Long/short (inception equity)",
        {
            **{s: 150_000.0 for s in ("AAPL", "MSFT", "NVDA", "AMZN", "GOOGL", "JPM", "V", "COST")},
            **{s: -120_000.0 for s in ("XOM", "INTC", "PFE", "DIS", "BAC")},
        },
        inception_equity=1_000_000.0,  # gross 1.8M at entry: 1.8x
    ),
)


# ---- statistics -----------------------------------------------------------------------------------


def kupiec_lr(exceedances: int, n: int, p: float) -> float:
    """Kupiec's proportion-of-failures LR: -2 ln[(1-p)^(n-x) p^x / ((1-x/n)^(n-x) (x/n)^x)], chi2(1)."""
    x, rate = exceedances, exceedances / n
    null = xlogy(n - x, 1 - p) + xlogy(x, p)
    alternative = xlogy(n - x, 1 - rate) + xlogy(x, rate)
    return float(-2.0 * (null - alternative))


def transition_counts(hits: Sequence[bool]) -> tuple[int, int, int, int]:
    """(n00, n01, n10, n11): how often a day in state i (1 = exceedance) is followed by state j."""
    h = np.asarray(hits, dtype=bool)
    before, after = h[:-1], h[1:]
    return (
        int(np.sum(~before & ~after)),
        int(np.sum(~before & after)),
        int(np.sum(before & ~after)),
        int(np.sum(before & after)),
    )


def christoffersen_lr(hits: Sequence[bool]) -> float:
    """Christoffersen's independence LR from the 2x2 transition counts (first-order Markov vs iid), chi2(1)."""
    n00, n01, n10, n11 = transition_counts(hits)
    pi01 = n01 / (n00 + n01) if n00 + n01 else 0.0
    pi11 = n11 / (n10 + n11) if n10 + n11 else 0.0
    pi = (n01 + n11) / (n00 + n01 + n10 + n11)
    null = xlogy(n00 + n10, 1 - pi) + xlogy(n01 + n11, pi)
    markov = xlogy(n00, 1 - pi01) + xlogy(n01, pi01) + xlogy(n10, 1 - pi11) + xlogy(n11, pi11)
    return float(-2.0 * (null - markov))


def chi2_pvalue(lr: float) -> float:
    """P(chi2(1) > lr)."""
    return float(stats.chi2.sf(lr, 1))


def bias_statistic(next_returns: Sequence[float], annual_vols: Sequence[float]) -> float:
    """Standard deviation of r_{t+1} / sigma_t, sigma_t the daily vol (annualized ex-ante vol / sqrt(252))."""
    daily = np.asarray(annual_vols, dtype=float) / math.sqrt(calendar.TRADING_DAYS_PER_YEAR)
    return float(np.std(np.asarray(next_returns, dtype=float) / daily, ddof=1))


def stress_ratio(realized: Sequence[float], predicted: Sequence[float]) -> float:
    """Sum of realized P&L over sum of predicted P&L."""
    return float(np.sum(realized) / np.sum(predicted))


# ---- materializing ------------------------------------------------------------------------------


def entry_positions(prices: Path, book: Book) -> list[PositionSpec]:
    """The book's positions, bought (or sold short) at the real close of `ENTRY_DATE`."""
    closes = CsvMarketData(prices).daily_closes(list(book.dollars), ENTRY_DATE, ENTRY_DATE).closes
    close = dict(zip(closes["symbol"], closes["close"], strict=True))
    return [
        PositionSpec(
            line=i + 2,
            symbol=symbol,
            investment_class=InvestmentClass.PUBLIC,
            quantity=round(dollars / close[symbol]),
            entry_price=close[symbol],
            entry_date=ENTRY_DATE,
        )
        for i, (symbol, dollars) in enumerate(book.dollars.items())
    ]


def materialize(
    prices: Path,
    workdir: Path,
    books: Sequence[Book],
    start: date,
    end: date,
    on_run: Callable[[PlannedRun, RunOutcome | None], None] | None = None,
) -> tuple[ResultsDB, dict[str, int]]:
    """Create the books in a fresh SQLite results DB under `workdir`, materialize [start, end]; the DB and ids."""
    url = f"sqlite:///{workdir / 'results.db'}"
    migrate(url)
    db = ResultsDB(url)
    ids = {}
    with db.transaction() as session:
        owner = ensure_user(session, OWNER)
        for book in books:
            portfolio = create_portfolio(
                session, owner, book.name, entry_positions(prices, book), book.inception_equity
            )
            session.flush()
            ids[book.name] = portfolio.id
    settings = load_settings(database_url=url, partitions_start=start, market_data=f"csv:{prices}")
    outcomes = run_range(
        build_definitions(settings), dg.DagsterInstance.ephemeral(), start, end, list(ids.values()), on_run
    )
    failed = [(o.plan.label, o.failures) for o in outcomes if not o.success]
    if failed:
        raise RuntimeError(f"materialization failed: {failed}")
    return db, ids


# ---- measuring ----------------------------------------------------------------------------------


def _frame(db: ResultsDB, statement) -> pd.DataFrame:
    with db.engine.connect() as conn:
        result = conn.execute(statement)
        return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


def stored_rows(db: ResultsDB, portfolio_id: int) -> dict[str, pd.DataFrame]:
    """The stored rows a backtest reads, each indexed by date: snapshots, VaR, stress, risk, SPY closes."""
    frames = {
        "snapshots": _frame(
            db,
            select(
                PortfolioSnapshot.date,
                PortfolioSnapshot.nav,
                PortfolioSnapshot.daily_pnl,
                PortfolioSnapshot.daily_return,
            ).where(PortfolioSnapshot.portfolio_id == portfolio_id),
        ),
        "var": _frame(
            db,
            select(PortfolioVolatility.date, PortfolioVolatility.var_95, PortfolioVolatility.var_99).where(
                PortfolioVolatility.portfolio_id == portfolio_id
            ),
        ),
        "stress": _frame(
            db,
            select(StressResult.date, StressResult.direct_pnl, StressResult.correlated_pnl).where(
                StressResult.portfolio_id == portfolio_id, StressResult.scenario_id == STRESS_SCENARIO.id
            ),
        ),
        "risk": _frame(
            db,
            select(
                PortfolioRisk.date,
                PortfolioRisk.ex_ante_vol,
                PortfolioRisk.specific_vol,
                PortfolioRisk.factor_contributions,
                PortfolioRisk.position_contributions,
            ).where(PortfolioRisk.portfolio_id == portfolio_id),
        ),
        "market": _frame(db, select(MarketPrice.date, MarketPrice.close).where(MarketPrice.symbol == MARKET)),
    }
    return {name: frame.set_index("date").sort_index() for name, frame in frames.items()}


def measure(rows: dict[str, pd.DataFrame]) -> dict[str, object]:
    """Every backtest figure of one portfolio from its stored rows (`stored_rows`); None where not computed."""
    snapshots = rows["snapshots"]
    following = snapshots["daily_return"].shift(-1)  # r_{t+1}, t a stored session
    figures: dict[str, object] = {
        "sessions": len(snapshots),
        "first": str(snapshots.index[0]),
        "last": str(snapshots.index[-1]),
    }

    spy = rows["market"]["close"].pct_change()
    stress = rows["stress"].reindex(snapshots.index).shift(1)  # the scenario as of D-1
    days = pd.DataFrame({"spy": spy.reindex(snapshots.index), "realized": snapshots["daily_pnl"]}).join(stress)
    worst = days.dropna().nsmallest(STRESS_DAYS, "spy")
    scale = worst["spy"] / STRESS_SHOCK
    figures["stress_days"] = len(worst)
    figures["stress_ratio_correlated"] = stress_ratio(worst["realized"], worst["correlated_pnl"] * scale)
    figures["stress_ratio_direct"] = stress_ratio(worst["realized"], worst["direct_pnl"] * scale)

    for level in VAR_LEVELS:
        key = f"var_{round(level * 100)}"
        pairs = pd.DataFrame({"var": rows["var"][key], "next": following}).dropna()
        hits = (pairs["next"] < -pairs["var"]).to_numpy()
        kupiec, independence = kupiec_lr(int(hits.sum()), len(hits), 1 - level), christoffersen_lr(hits)
        figures[key] = {
            "n": len(hits),
            "exceedances": int(hits.sum()),
            "expected": round(len(hits) * (1 - level), 1),
            "kupiec_lr": kupiec,
            "kupiec_p": chi2_pvalue(kupiec),
            "christoffersen_lr": independence,
            "christoffersen_p": chi2_pvalue(independence),
        }

    risk = rows["risk"].dropna(subset=["ex_ante_vol"])
    if risk.empty:
        for name in ("bias_statistic", "bias_n", "max_contribution_gap", "max_factor_contribution_gap"):
            figures[name] = None
    else:
        pairs = pd.DataFrame({"vol": risk["ex_ante_vol"], "next": following.reindex(risk.index)}).dropna()
        figures["bias_n"] = len(pairs)
        figures["bias_statistic"] = bias_statistic(pairs["next"], pairs["vol"])
        sums = risk["position_contributions"].map(lambda items: math.fsum(p["contribution"] for p in items))
        figures["max_contribution_gap"] = float((sums - risk["ex_ante_vol"]).abs().max())
        # factor contributions plus the specific one (specific variance / sigma_p) make sigma_p too
        factors = risk["factor_contributions"].map(lambda f: math.fsum(v["contribution"] or 0.0 for v in f.values()))
        specific = risk["specific_vol"] ** 2 / risk["ex_ante_vol"]
        figures["max_factor_contribution_gap"] = float((factors + specific - risk["ex_ante_vol"]).abs().max())
    figures["checks"] = checks(figures)
    return figures


def checks(figures: dict[str, object]) -> dict[str, bool | None]:
    """The acceptance bar per figure: True/False, None where the figure was not computed."""
    low, high = RATIO_BAND

    def within(value):
        return None if value is None else bool(low <= value <= high)

    gaps = [figures["max_contribution_gap"], figures["max_factor_contribution_gap"]]
    return {
        "stress_ratio_correlated": within(figures["stress_ratio_correlated"]),
        "bias_statistic": within(figures["bias_statistic"]),
        **{f"kupiec_{k}": figures[f"var_{k}"]["kupiec_lr"] < CHI2_1_AT_5PCT for k in (95, 99)},
        **{
            name: None if gap is None else bool(gap <= CONTRIBUTION_TOLERANCE)
            for name, gap in zip(("position_contributions", "factor_contributions"), gaps, strict=True)
        },
    }


# ---- output -------------------------------------------------------------------------------------


def _num(value, spec: str = ".3f") -> str:
    return "not computed" if value is None else format(value, spec)


def table(results: dict[str, dict[str, object]], markdown: bool = False) -> str:
    """One row per figure, one column per portfolio, and the bar; plain text or Markdown."""
    names = list(results)
    low, high = RATIO_BAND

    def var_cells(k: int) -> list[tuple[str, list[str], str]]:
        v = [results[n][f"var_{k}"] for n in names]
        return [
            (f"VaR {k}% exceedances (expected)", [f"{x['exceedances']}/{x['n']} ({x['expected']})" for x in v], ""),
            (
                f"Kupiec LR {k}% (p)",
                [f"{x['kupiec_lr']:.2f} ({x['kupiec_p']:.2f})" for x in v],
                f"< {CHI2_1_AT_5PCT:.2f}",
            ),
            (
                f"Christoffersen LR {k}% (p)",
                [f"{x['christoffersen_lr']:.2f} ({x['christoffersen_p']:.2f})" for x in v],
                "",
            ),
        ]

    lines = [
        (
            f"stress ratio, correlated ({STRESS_DAYS} worst SPY days)",
            [_num(results[n]["stress_ratio_correlated"]) for n in names],
            f"[{low}, {high}]",
        ),
        ("stress ratio, direct", [_num(results[n]["stress_ratio_direct"]) for n in names], ""),
        ("bias statistic, std(r_{t+1}/σ_t)", [_num(results[n]["bias_statistic"]) for n in names], f"[{low}, {high}]"),
        *var_cells(95),
        *var_cells(99),
        (
            "max |Σ position contributions − σ_p|",
            [_num(results[n]["max_contribution_gap"], ".1e") for n in names],
            f"≤ {CONTRIBUTION_TOLERANCE:.0e}",
        ),
        (
            "max |Σ factor + specific contributions − σ_p|",
            [_num(results[n]["max_factor_contribution_gap"], ".1e") for n in names],
            f"≤ {CONTRIBUTION_TOLERANCE:.0e}",
        ),
        ("meets the bar", [_verdict(results[n]["checks"]) for n in names], ""),
    ]
    header = ["", *names, "bar"]
    body = [[label, *cells, bar] for label, cells, bar in lines]
    if markdown:
        rows = [header, ["---"] * len(header), *body]
        return "\n".join("| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows)
    widths = [max(len(row[i]) for row in [header, *body]) for i in range(len(header))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in [header, *body])


def _verdict(checks: dict[str, bool | None]) -> str:
    failed = [name for name, ok in checks.items() if ok is False]
    pending = [name for name, ok in checks.items() if ok is None]
    if failed:
        return "no: " + ", ".join(failed)
    return "yes" if not pending else "pending: " + ", ".join(pending)
